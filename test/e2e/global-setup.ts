/**
 * Starts ONE local stack (free loopback ports) for the whole e2e project and stops it afterwards,
 * or, with `E2E_OUTPUTS=path/to/outputs.json` and `E2E_USERS=user:password,user:password`, points
 * the suite at that (deployed) stack instead.
 */
import type { TestProject } from 'vitest/node';
import { startLocalStack } from '../../local/local-stack';
import { type E2eTarget, targetFromOutputsFile } from './support/target';

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const outputsFile = process.env.E2E_OUTPUTS;
  if (outputsFile) {
    project.provide('e2eTarget', targetFromOutputsFile(outputsFile, process.env.E2E_USERS));
    return undefined;
  }
  const stack = await startLocalStack({ quiet: true });
  const { outputs } = stack;
  const [alice, bob] = outputs.DemoUsers;
  if (!alice || !bob) throw new Error('the local stack created no demo users');
  const target: E2eTarget = {
    kind: 'local',
    region: outputs.Region,
    userPoolId: outputs.UserPoolId,
    userPoolClientId: outputs.UserPoolClientId,
    identityPoolId: outputs.IdentityPoolId,
    bucketName: outputs.BucketName,
    apiUrl: outputs.ApiUrl,
    endpoints: {
      cognitoIdp: outputs.CognitoIdpEndpoint,
      cognitoIdentity: outputs.CognitoIdentityEndpoint,
      s3: outputs.S3Endpoint,
    },
    users: [alice, bob],
  };
  project.provide('e2eTarget', target);
  return () => stack.stop();
}
