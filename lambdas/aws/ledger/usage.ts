/**
 * An owner's usage and upload reservations: the usage item (counts, quota override, `version`), the
 * live reservations, and reserving under optimistic locking on that `version`.
 */
import {
  type AttributeValue,
  GetItemCommand,
  QueryCommand,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { quotaOf, type Reservation } from '../../../shared/domain/quota';
import { isConditionFailure, n, num, optionalNum, reservationSk, s, toUsage, USAGE_SK } from './items';
import type { Ledger, LedgerContext, UsageRecord } from './types';

/** The usage item as a record: counts, the owner's quota override (a user's or a group's), and `version`. */
export function toUsageRecord(item: Record<string, AttributeValue> | undefined): UsageRecord {
  return {
    usage: toUsage(item),
    quota: quotaOf(optionalNum(item?.quotaBytes), optionalNum(item?.quotaObjects)),
    version: optionalNum(item?.version),
  };
}

/** The reservation item, written only if the usage item's `version` is still the one read (then bumped). */
function reservationWrites(
  tableName: string,
  owner: string,
  reservation: Reservation,
  version: number | undefined,
): TransactWriteItem[] {
  return [
    {
      Put: {
        TableName: tableName,
        Item: {
          pk: s(owner),
          sk: s(reservationSk(reservation.key)),
          bytes: n(reservation.bytes),
          expiresAt: n(reservation.expiresAt),
        },
      },
    },
    {
      Update: {
        TableName: tableName,
        Key: { pk: s(owner), sk: s(USAGE_SK) },
        UpdateExpression: 'ADD #version :one',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: {
          ':one': n(1),
          ...(version === undefined ? {} : { ':version': n(version) }),
        },
        ConditionExpression: version === undefined ? 'attribute_not_exists(#version)' : '#version = :version',
      },
    },
  ];
}

export function createUsageLedger(
  context: LedgerContext,
): Pick<Ledger, 'usage' | 'reservations' | 'reserve'> {
  const { client, tableName } = context;
  return {
    async usage(owner) {
      const output = await client.send(
        new GetItemCommand({
          TableName: tableName,
          Key: { pk: s(owner), sk: s(USAGE_SK) },
          ConsistentRead: true,
        }),
      );
      return toUsageRecord(output.Item);
    },

    async reservations(owner) {
      const reservations: Reservation[] = [];
      let start: Record<string, AttributeValue> | undefined;
      do {
        const output = await client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: { ':pk': s(owner), ':prefix': s(reservationSk('')) },
            ConsistentRead: true,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        for (const item of output.Items ?? []) {
          reservations.push({
            key: (item.sk?.S ?? '').slice(reservationSk('').length),
            bytes: num(item.bytes),
            expiresAt: num(item.expiresAt),
          });
        }
        start = output.LastEvaluatedKey;
      } while (start !== undefined);
      return reservations;
    },

    async reserve(owner, reservation, version) {
      try {
        await client.send(
          new TransactWriteItemsCommand({
            TransactItems: reservationWrites(tableName, owner, reservation, version),
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },
  };
}
