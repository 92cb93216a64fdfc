/**
 * The deployment's one guest identity, kept in the session store's table so the whole fleet shares
 * it: `GetId` without logins makes a NEW identity on every call (and counts against Cognito's low
 * `GetId` quota), so the first instance to need one publishes it with a conditional write and every
 * other instance takes the published one. Not secret: every permanent link names public owners, and
 * this identity can read only what `public` already shows everyone.
 */
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { isIdentityId } from '../../../shared/domain/keys';

export interface GuestIdentityRecord {
  /** The published guest identity, if any. */
  get(): Promise<string | undefined>;
  /** Publishes `identityId` unless one is already there; answers the one that is. */
  claim(identityId: string): Promise<string>;
  /** Replaces a published identity that Cognito no longer knows. */
  replace(identityId: string): Promise<void>;
}

/** Its row: apart from the user rows (`{userPoolId}#{sub}`) and data keys (`data-key#…`). */
export const guestIdentityItemId = (identityPoolId: string) => `guest-identity#${identityPoolId}`;

export function createGuestIdentityRecord(options: {
  readonly dynamo: DynamoDBClient;
  readonly tableName: string;
  readonly identityPoolId: string;
}): GuestIdentityRecord {
  const { dynamo, tableName } = options;
  const id = { S: guestIdentityItemId(options.identityPoolId) };

  async function get(): Promise<string | undefined> {
    const output = await dynamo.send(
      new GetItemCommand({ TableName: tableName, Key: { id }, ConsistentRead: true }),
    );
    const value = output.Item?.identityId?.S;
    return isIdentityId(value) ? value : undefined;
  }

  const put = (identityId: string, onlyIfAbsent: boolean) =>
    dynamo.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { id, identityId: { S: identityId } },
        ...(onlyIfAbsent ? { ConditionExpression: 'attribute_not_exists(id)' } : {}),
      }),
    );

  return {
    get,
    async claim(identityId) {
      try {
        await put(identityId, true);
        return identityId;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // Another instance published first: take theirs, so the fleet has one guest identity.
        return (await get()) ?? identityId;
      }
    },
    async replace(identityId) {
      await put(identityId, false);
    },
  };
}
