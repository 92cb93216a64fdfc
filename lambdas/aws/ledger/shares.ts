/**
 * The share index as read: a grantee's `incoming#` items, one per object another user shares with
 * them (written and removed with the object's events, see `events.ts`).
 */
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { INCOMING_PREFIX, num, s } from './items';
import type { Ledger, LedgerContext } from './types';

export function createShareIndex(context: LedgerContext): Pick<Ledger, 'sharedWith'> {
  const { client, tableName } = context;
  return {
    async sharedWith(grantee, { limit, after }) {
      const output = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': s(grantee), ':prefix': s(INCOMING_PREFIX) },
          Limit: limit,
          ...(after === undefined ? {} : { ExclusiveStartKey: { pk: s(grantee), sk: s(after) } }),
        }),
      );
      const next = output.LastEvaluatedKey?.sk?.S;
      return {
        items: (output.Items ?? []).map((item) => ({
          owner: item.owner?.S ?? '',
          path: item.path?.S ?? '',
          size: num(item.size),
          sharedAt: item.sharedAt?.S ?? '',
        })),
        ...(next === undefined ? {} : { next }),
      };
    },
  };
}
