/**
 * The ledger partition's item layout: sort keys, time-to-live periods, the attribute codecs and the
 * readers of stored items, and the retry bound of conditional writes. The audit script reads items
 * through the same definitions.
 */
import { type AttributeValue, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { AnyLevel, Level } from '../../../shared/domain/keys';
import { EMPTY_USAGE, type ObjectEntry, type Usage } from '../../../shared/events/ledger';

export const USAGE_SK = 'usage';
export const objectSk = (key: string) => `object#${key}`;
export const reservationSk = (key: string) => `reservation#${key}`;
export const INCOMING_PREFIX = 'incoming#';
export const incomingSk = (owner: string, path: string) => `${INCOMING_PREFIX}${owner}/${path}`;
/** Who the partition's identity is (its `sub` and username); only the API function writes it. */
export const PERSON_SK = 'person';
/** Past the queue's (4 days) and the dead-letter queue's (14 days) retention, no event can still arrive. */
export const TOMBSTONE_TTL_SECONDS = 21 * 24 * 3600;
/** Rejections are kept this long for `GET /me`. */
export const REJECTION_TTL_SECONDS = 30 * 24 * 3600;
/** Concurrent deliveries of one key retry this many times before the message is retried by SQS. */
export const EVENT_ATTEMPTS = 5;

export const n = (value: number): AttributeValue => ({ N: String(value) });
export const s = (value: string): AttributeValue => ({ S: value });
export const num = (value: AttributeValue | undefined) => (value?.N === undefined ? 0 : Number(value.N));
export const optionalNum = (value: AttributeValue | undefined) =>
  value?.N === undefined ? undefined : Number(value.N);

export function isConditionFailure(error: unknown): boolean {
  if (error instanceof TransactionCanceledException) {
    return (error.CancellationReasons ?? []).some((reason) => reason.Code === 'ConditionalCheckFailed');
  }
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

export function toEntry(item: Record<string, AttributeValue>): ObjectEntry {
  return {
    key: item.key?.S ?? '',
    owner: item.pk?.S ?? '',
    level: (item.level?.S ?? 'private') as Level,
    size: num(item.size),
    sequencer: item.sequencer?.S ?? '0',
    deleted: item.deleted?.BOOL === true,
  };
}

/** A usage item's counts (absent attributes count 0); the audit reads them the same way. */
export function toUsage(item: Record<string, AttributeValue> | undefined): Usage {
  if (item === undefined) return EMPTY_USAGE;
  const level = (name: AnyLevel) => ({
    bytes: num(item[`${name}Bytes`]),
    objects: num(item[`${name}Objects`]),
  });
  return {
    bytes: num(item.bytes),
    objects: num(item.objects),
    levels: {
      private: level('private'),
      protected: level('protected'),
      public: level('public'),
      shared: level('shared'),
      groups: level('groups'),
    },
  };
}
