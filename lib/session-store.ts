import { type RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import {
  dynamoDbActions,
  kmsActions,
  SESSION_KEY_CONTEXT,
  SESSION_KEY_GRANTS,
  TABLE_GRANTS,
} from '../shared/contract/grants';

/**
 * What the account (through IAM) may do with the session key: manage it, never use it. No
 * Encrypt/Decrypt/GenerateDataKey/ReEncrypt, and no `CreateGrant` (a grant would hand use to any
 * principal). `PutKeyPolicy` stays: KMS refuses a policy that locks its deployer out, and
 * CloudFormation updates the policy with it.
 */
export const SESSION_KEY_ADMIN_ACTIONS = kmsActions([
  'DescribeKey',
  'GetKeyPolicy',
  'GetKeyRotationStatus',
  'ListGrants',
  'ListKeyPolicies',
  'ListKeyRotations',
  'ListResourceTags',
  'PutKeyPolicy',
  'UpdateKeyDescription',
  'EnableKey',
  'DisableKey',
  'EnableKeyRotation',
  'DisableKeyRotation',
  'RotateKeyOnDemand',
  'TagResource',
  'UntagResource',
  'RevokeGrant',
  'CreateAlias',
  'UpdateAlias',
  'DeleteAlias',
  'ScheduleKeyDeletion',
  'CancelKeyDeletion',
]);

/** Data keys made for the session store only: the key policy and the role's policy both require it. */
const SESSION_KEY_CONDITION = {
  StringEquals: Object.fromEntries(
    Object.entries(SESSION_KEY_CONTEXT).map(([key, value]) => [`kms:EncryptionContext:${key}`, value]),
  ),
};

export interface SessionStoreProps {
  /** Applies to the table and the key (`DESTROY` schedules the key's deletion). */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The fleet-wide session store: a table of each user's latest identity-pool session, sealed by the
 * API function (AES-GCM under KMS data keys), and the KMS key those data keys come from. Only the
 * API function's role may use the key (`grantApi`). Adds both to `scope`, like the other parts.
 */
export class SessionStore {
  public readonly table: dynamodb.Table;
  public readonly key: kms.Key;

  constructor(scope: Construct, props: SessionStoreProps) {
    this.table = sessionTable(scope, props.removalPolicy);
    this.key = new kms.Key(scope, 'SessionKey', {
      description:
        "User Files API: data keys of the fleet-wide session store; only the API function's role uses it.",
      enableKeyRotation: true,
      // Our own policy instead of CDK's default (the account root with kms:*), which would let any
      // IAM policy in the account decrypt the sessions.
      policy: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            sid: 'AccountManagesButDoesNotUse',
            principals: [new iam.AccountRootPrincipal()],
            actions: SESSION_KEY_ADMIN_ACTIONS,
            resources: ['*'],
          }),
        ],
      }),
      removalPolicy: props.removalPolicy,
    });
  }

  /**
   * The API function's rights, from the contract: its items in the table, and data keys of the
   * session context, named in the key policy (the only principal that may use the key) and in
   * the role's own policy.
   */
  grantApi(role: iam.IRole): void {
    this.table.grant(role, ...dynamoDbActions(TABLE_GRANTS.api.sessions));
    const actions = kmsActions(SESSION_KEY_GRANTS.api);
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'ApiFunctionUsesForSessions',
        principals: [new iam.ArnPrincipal(role.roleArn)],
        actions,
        resources: ['*'],
        conditions: SESSION_KEY_CONDITION,
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions, resources: [this.key.keyArn], conditions: SESSION_KEY_CONDITION }),
    );
  }
}

/**
 * One item per user, `{userPoolId}#{sub}`, expiring with the session it holds. Its sessions are
 * sealed by the function; the table's own encryption (AWS managed) is a second layer.
 */
function sessionTable(scope: Construct, removalPolicy: RemovalPolicy): dynamodb.Table {
  const table = new dynamodb.Table(scope, 'Sessions', {
    partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    timeToLiveAttribute: 'expiresAt',
    removalPolicy,
  });
  Validations.of(table).acknowledge({
    id: 'AwsSolutions-DDB3',
    reason:
      'Point-in-time recovery is off on purpose: items are ephemeral sessions (at most 12 hours, removed by TTL) that a function instance re-mints when one is missing, so a restore would bring back nothing worth having.',
  });
  return table;
}
