import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { userFilesPropsFromContext } from './app-context';
import { UserFilesStack } from './user-files-stack';

/** Stack name unless context `stackName` says otherwise. */
const DEFAULT_STACK_NAME = 'UserFilesApi';

/**
 * What `bin/app.ts` does to its App, shared with the infra tests so they check exactly what
 * `cdk synth` produces: one stack configured from context, and the AwsSolutions checks (cdk-nag 3
 * registers as a validation plugin; synthesis fails on any finding not acknowledged with a reason).
 */
export function buildUserFilesApp(app: App): UserFilesStack {
  const stackName = (app.node.tryGetContext('stackName') as string | undefined) ?? DEFAULT_STACK_NAME;
  // No env: the template is region- and account-agnostic, so synth needs no credentials or lookups.
  const stack = new UserFilesStack(app, stackName, {
    description: 'Per-user file storage API: S3, Cognito user and identity pools, API Gateway, Lambda.',
    api: userFilesPropsFromContext(app.node),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}
