/** The owner's rejections: objects the events function removed, and why, kept for `GET /me` (TTL). */
import { PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { AnyLevel } from '../../../shared/domain/keys';
import type { RejectionReason } from '../../../shared/events/content-check';
import { n, REJECTION_TTL_SECONDS, s } from './items';
import type { Ledger, LedgerContext } from './types';

export function createRejectionLedger(
  context: LedgerContext,
): Pick<Ledger, 'recordRejection' | 'rejections'> {
  const { client, tableName, now } = context;
  return {
    async recordRejection(owner, rejection) {
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            pk: s(owner),
            sk: s(`rejection#${rejection.at}#${rejection.key}`),
            key: s(rejection.key),
            level: s(rejection.level),
            reason: s(rejection.reason),
            detail: s(rejection.detail),
            at: s(rejection.at),
            expiresAt: n(Math.floor(now() / 1000) + REJECTION_TTL_SECONDS),
          },
        }),
      );
    },

    async rejections(owner, limit) {
      const output = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': s(owner), ':prefix': s('rejection#') },
          ScanIndexForward: false,
          Limit: limit,
        }),
      );
      return (output.Items ?? []).map((item) => ({
        key: item.key?.S ?? '',
        level: (item.level?.S ?? 'private') as AnyLevel,
        reason: (item.reason?.S ?? 'content_mismatch') as RejectionReason,
        detail: item.detail?.S ?? '',
        at: item.at?.S ?? '',
      }));
    },
  };
}
