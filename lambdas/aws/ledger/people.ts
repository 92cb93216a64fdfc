/**
 * People: who an identity is, by name. One `person` item in the identity's own partition (its
 * `sub`, user-pool username and verified email), written by the API function only when it resolved that user
 * itself (verified claims, or the user pool's own answer), and read a page of names at a time.
 * In the identity's partition, `DELETE /me/data` removes it with the rest of the partition.
 */
import { type AttributeValue, BatchGetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { displayName } from '../../../shared/domain/usernames';
import { EVENT_ATTEMPTS, PERSON_SK, s } from './items';
import type { Ledger, LedgerContext } from './types';

/** BatchGetItem's limit. */
const BATCH_GET_KEYS = 100;

type ItemKey = Record<string, AttributeValue>;

export function createPeople(context: LedgerContext): Pick<Ledger, 'recordPerson' | 'names'> {
  const { client, tableName } = context;

  /** The names of one batch of keys; what DynamoDB still leaves unprocessed stays unnamed. */
  async function namesOfBatch(keys: readonly ItemKey[], names: Map<string, string>): Promise<void> {
    let pending: ItemKey[] = [...keys];
    for (let attempt = 1; pending.length > 0 && attempt <= EVENT_ATTEMPTS; attempt++) {
      const output = await client.send(
        new BatchGetItemCommand({
          RequestItems: {
            [tableName]: {
              Keys: pending,
              ProjectionExpression: '#pk, #username, #email',
              ExpressionAttributeNames: { '#pk': 'pk', '#username': 'username', '#email': 'email' },
            },
          },
        }),
      );
      for (const item of output.Responses?.[tableName] ?? []) {
        const identityId = item.pk?.S;
        const username = item.username?.S;
        const email = item.email?.S;
        if (identityId !== undefined && username !== undefined && username !== '') {
          names.set(identityId, displayName({ username, ...(email ? { email } : {}) }));
        }
      }
      pending = output.UnprocessedKeys?.[tableName]?.Keys ?? [];
    }
  }

  return {
    async recordPerson(person) {
      // Unconditional and idempotent: the same user resolved again writes the same item.
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            pk: s(person.identityId),
            sk: s(PERSON_SK),
            sub: s(person.sub),
            username: s(person.username),
            ...(person.email === undefined ? {} : { email: s(person.email) }),
          },
        }),
      );
    },

    async names(identityIds) {
      const names = new Map<string, string>();
      const keys = [...new Set(identityIds)].map((identityId) => ({ pk: s(identityId), sk: s(PERSON_SK) }));
      for (let i = 0; i < keys.length; i += BATCH_GET_KEYS) {
        await namesOfBatch(keys.slice(i, i + BATCH_GET_KEYS), names);
      }
      return names;
    },
  };
}
