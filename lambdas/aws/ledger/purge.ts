/** Deletion of an owner's whole partition (`DELETE /me/data`), a page of items at a time. */
import {
  type AttributeValue,
  BatchWriteItemCommand,
  QueryCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { EVENT_ATTEMPTS, s } from './items';
import type { Ledger, LedgerContext } from './types';

/** BatchWriteItem's limit. */
const BATCH_WRITE_ITEMS = 25;

type ItemKey = Record<string, AttributeValue>;

export function createPurge(context: LedgerContext): Pick<Ledger, 'purge'> {
  const { client, tableName } = context;

  /** Deletes one batch of keys; false when DynamoDB still leaves some unprocessed after a few tries. */
  async function deleteBatch(keys: readonly ItemKey[]): Promise<boolean> {
    let requests: WriteRequest[] = keys.map((Key) => ({ DeleteRequest: { Key } }));
    // What DynamoDB leaves unprocessed (throttling) is sent again, up to a few times.
    for (let attempt = 1; requests.length > 0; attempt++) {
      if (attempt > EVENT_ATTEMPTS) return false;
      const written = await client.send(
        new BatchWriteItemCommand({ RequestItems: { [tableName]: requests } }),
      );
      requests = (written.UnprocessedItems?.[tableName] ?? []).flatMap((request) =>
        request.DeleteRequest?.Key ? [{ DeleteRequest: { Key: request.DeleteRequest.Key } }] : [],
      );
    }
    return true;
  }

  return {
    async purge(owner, shouldStop) {
      for (;;) {
        if (shouldStop()) return false;
        // Every page starts from the top: what the previous one found is gone.
        const output = await client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': s(owner) },
            ProjectionExpression: 'pk, sk',
            ConsistentRead: true,
            Limit: 500,
          }),
        );
        const keys = (output.Items ?? []).map((item) => ({ pk: s(owner), sk: s(item.sk?.S ?? '') }));
        if (keys.length === 0) return true;
        for (let i = 0; i < keys.length; i += BATCH_WRITE_ITEMS) {
          if (!(await deleteBatch(keys.slice(i, i + BATCH_WRITE_ITEMS)))) return false;
        }
      }
    },
  };
}
