import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { UserFilesApi, type UserFilesApiProps } from './user-files-api';

export interface UserFilesStackProps extends StackProps {
  /** Passed to the `UserFilesApi` construct unchanged. */
  readonly api: UserFilesApiProps;
}

/**
 * The deployable system: one `UserFilesApi` and the outputs clients need. The output names are a
 * contract (the local stack writes the same ones), so they are fixed here, not derived.
 */
export class UserFilesStack extends Stack {
  public readonly userFiles: UserFilesApi;

  constructor(scope: Construct, id: string, props: UserFilesStackProps) {
    super(scope, id, props);
    this.userFiles = new UserFilesApi(this, 'UserFiles', props.api);
    const { userPool, userPoolClient, identityPool, bucket, api } = this.userFiles;

    new CfnOutput(this, 'Region', { value: this.region, description: 'AWS region of every resource.' });
    new CfnOutput(this, 'UserPoolId', { value: userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', {
      value: userPoolClient.userPoolClientId,
      description: 'Public app client (no secret): USER_SRP_AUTH and USER_PASSWORD_AUTH.',
    });
    new CfnOutput(this, 'IdentityPoolId', { value: identityPool.ref });
    new CfnOutput(this, 'BucketName', { value: bucket.bucketName });
    new CfnOutput(this, 'ApiUrl', { value: api.url, description: 'Base URL of the REST API, ending in /.' });
    new CfnOutput(this, 'LedgerTable', {
      value: this.userFiles.storageEvents.ledger.tableName,
      description: 'Usage ledger (DynamoDB): npm run audit compares it with a listing of the bucket.',
    });
    const { sessionTable } = this.userFiles;
    if (sessionTable) {
      new CfnOutput(this, 'SessionTable', {
        value: sessionTable.tableName,
        description:
          'Fleet-wide session store (DynamoDB): sealed identity-pool sessions; absent with sessionStore=false.',
      });
    }
    new CfnOutput(this, 'AccessMode', {
      value: this.userFiles.accessMode,
      description:
        'sealed: storage only through the API; direct: users may also use their identity credentials.',
    });
    this.guestOutputs();
  }

  /**
   * Guest access, the permanent links' template, and the identity pool's roles (the e2e suite
   * presents tokens to STS itself). Absent without guest access, as SessionTable is without a store.
   */
  private guestOutputs(): void {
    const { guestAccess, authenticatedRole, unauthenticatedRole, api } = this.userFiles;
    new CfnOutput(this, 'GuestAccess', {
      value: String(guestAccess),
      description: 'true: anyone may read public files through permanent links (the unauthenticated role).',
    });
    new CfnOutput(this, 'AuthenticatedRoleArn', {
      value: authenticatedRole.roleArn,
      description: "The identity pool's role for signed-in identities.",
    });
    if (!unauthenticatedRole) return;
    new CfnOutput(this, 'UnauthenticatedRoleArn', {
      value: unauthenticatedRole.roleArn,
      description: "The identity pool's role for guests: reads public files only.",
    });
    new CfnOutput(this, 'PublicUrlTemplate', {
      // What shared/domain/public-links.ts builds: each key segment URL-encoded.
      value: `${api.url}public/{identityId}/{key}`,
      description: 'Permanent link of a public file, no token needed; absent with guestAccess=false.',
    });
  }
}
