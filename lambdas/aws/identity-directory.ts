/**
 * The sub-to-identity directory: a DynamoDB table mapping `{userPoolId}#{sub}` to the user's
 * identity ID, so a returning user reaching a cold instance costs no Cognito `GetId` (whose quota
 * is low, 25/s per account). It is only a hint: `GetCredentialsForIdentity` checks the caller's
 * token against the identity, so a wrong entry can never yield another user's credentials.
 */
import {
  DeleteItemCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { isIdentityId } from '../../shared/domain/keys';

export interface IdentityDirectory {
  /** The recorded identity ID, or undefined when there is none (or it is not one). */
  lookup(userPoolId: string, sub: string): Promise<string | undefined>;
  record(userPoolId: string, sub: string, identityId: string): Promise<void>;
  remove(userPoolId: string, sub: string): Promise<void>;
}

/**
 * Short timeouts: a slow directory must cost less than the GetId it saves, since every failure
 * falls back to Cognito. `throwOnRequestTimeout` makes the request timeout actually end the call.
 */
export const DIRECTORY_TIMEOUTS = {
  connectionTimeout: 300,
  requestTimeout: 500,
  throwOnRequestTimeout: true,
} as const;

/**
 * The table's client, created once per instance. Two attempts at most (one retry); the endpoint
 * and credentials come from the SDK's standard configuration (`AWS_ENDPOINT_URL_DYNAMODB` locally).
 */
export function createDirectoryClient(
  region: string,
  overrides: Partial<DynamoDBClientConfig> = {},
): DynamoDBClient {
  return new DynamoDBClient({
    region,
    maxAttempts: 2,
    requestHandler: DIRECTORY_TIMEOUTS,
    ...overrides,
  });
}

export const directoryKey = (userPoolId: string, sub: string) => `${userPoolId}#${sub}`;

export function createIdentityDirectory(options: {
  readonly client: DynamoDBClient;
  readonly tableName: string;
}): IdentityDirectory {
  const { client, tableName } = options;
  return {
    async lookup(userPoolId, sub) {
      const output = await client.send(
        new GetItemCommand({
          TableName: tableName,
          Key: { id: { S: directoryKey(userPoolId, sub) } },
          ProjectionExpression: 'identityId',
        }),
      );
      const value = output.Item?.identityId?.S;
      // The ID becomes part of S3 keys: anything that is not one is treated as no entry.
      return isIdentityId(value) ? value : undefined;
    },
    async record(userPoolId, sub, identityId) {
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: { id: { S: directoryKey(userPoolId, sub) }, identityId: { S: identityId } },
        }),
      );
    },
    async remove(userPoolId, sub) {
      await client.send(
        new DeleteItemCommand({ TableName: tableName, Key: { id: { S: directoryKey(userPoolId, sub) } } }),
      );
    },
  };
}
