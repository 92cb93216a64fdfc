/**
 * The usage ledger in DynamoDB, one partition per owner (`pk` = identity ID):
 * - `usage`: bytes and objects in total and per level, a per-user quota override, and `version`,
 *   bumped by every write so reservations can be made with optimistic locking;
 * - `object#{key}`: the key's last applied event (size, sequencer; a tombstone after a delete);
 * - `reservation#{key}`: an issued upload URL's size until it expires (TTL `expiresAt`);
 * - `rejection#{time}#{key}`: an object the events function removed, and why (TTL).
 * Each event is ONE TransactWriteItems conditioned on the object item's sequencer, so a repeat or an
 * older event never counts twice, and concurrent deliveries of one key serialize.
 */
import {
  type AttributeValue,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import type { AnyLevel, Level } from '../../shared/domain/keys';
import type { Quota, Reservation } from '../../shared/domain/quota';
import type { RejectionReason } from '../../shared/events/content-check';
import { EMPTY_USAGE, type ObjectEntry, planEvent, type Usage } from '../../shared/events/ledger';
import type { StorageEvent } from '../../shared/events/s3-event';
import { compareSequencers } from '../../shared/events/sequencer';

export interface Rejection {
  readonly key: string;
  readonly level: Level;
  readonly reason: RejectionReason;
  readonly detail: string;
  /** ISO time of the removal. */
  readonly at: string;
}

export interface UsageRecord {
  readonly usage: Usage;
  /** The per-user override of the deployment's quota, when an administrator set one. */
  readonly quota: Quota;
  /** Undefined: no usage item yet. */
  readonly version: number | undefined;
}

export interface Ledger {
  /**
   * Applies one event: `applied`, or `current` when the key already holds exactly this event (a
   * repeat), or `stale` when it holds a newer one.
   */
  applyEvent(event: StorageEvent): Promise<'applied' | 'current' | 'stale'>;
  /** The key's last applied event. */
  entry(owner: string, key: string): Promise<ObjectEntry | undefined>;
  usage(owner: string): Promise<UsageRecord>;
  reservations(owner: string): Promise<Reservation[]>;
  /**
   * Records a reservation if `version` is still the usage item's version (undefined: no item yet).
   * False when another write came first: read again and decide again.
   */
  reserve(owner: string, reservation: Reservation, version: number | undefined): Promise<boolean>;
  recordRejection(owner: string, rejection: Rejection): Promise<void>;
  /** The newest rejections first. */
  rejections(owner: string, limit: number): Promise<Rejection[]>;
}

export const USAGE_SK = 'usage';
export const objectSk = (key: string) => `object#${key}`;
export const reservationSk = (key: string) => `reservation#${key}`;
/** Rejections are kept this long for `GET /me`. */
export const REJECTION_TTL_SECONDS = 30 * 24 * 3600;
/** Concurrent deliveries of one key retry this many times before the message is retried by SQS. */
const EVENT_ATTEMPTS = 5;

export function createLedgerClient(region: string): DynamoDBClient {
  return new DynamoDBClient({ region, maxAttempts: 3 });
}

const n = (value: number): AttributeValue => ({ N: String(value) });
const s = (value: string): AttributeValue => ({ S: value });
const num = (value: AttributeValue | undefined) => (value?.N === undefined ? 0 : Number(value.N));
const optionalNum = (value: AttributeValue | undefined) =>
  value?.N === undefined ? undefined : Number(value.N);

function isConditionFailure(error: unknown): boolean {
  if (error instanceof TransactionCanceledException) {
    return (error.CancellationReasons ?? []).some((reason) => reason.Code === 'ConditionalCheckFailed');
  }
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

function toEntry(item: Record<string, AttributeValue>): ObjectEntry {
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
    },
  };
}

export function createLedger(options: {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Epoch ms. @default Date.now */
  readonly now?: () => number;
}): Ledger {
  const { client, tableName } = options;
  const now = options.now ?? Date.now;

  async function currentEntry(owner: string, key: string) {
    const output = await client.send(
      new GetItemCommand({
        TableName: tableName,
        Key: { pk: s(owner), sk: s(objectSk(key)) },
        ConsistentRead: true,
      }),
    );
    return output.Item === undefined ? undefined : toEntry(output.Item);
  }

  return {
    async applyEvent(event) {
      for (let attempt = 1; ; attempt++) {
        const current = await currentEntry(event.owner, event.key);
        const plan = planEvent(current, event);
        if (plan === undefined) {
          return current !== undefined && compareSequencers(current.sequencer, event.sequencer) === 0
            ? 'current'
            : 'stale';
        }
        const { next, delta } = plan;
        try {
          await client.send(
            new TransactWriteItemsCommand({
              TransactItems: [
                {
                  Put: {
                    TableName: tableName,
                    Item: {
                      pk: s(event.owner),
                      sk: s(objectSk(event.key)),
                      key: s(next.key),
                      level: s(next.level),
                      size: n(next.size),
                      sequencer: s(next.sequencer),
                      deleted: { BOOL: next.deleted },
                    },
                    // Exactly the entry the plan was made from: a concurrent delivery makes us re-plan.
                    ...(current === undefined
                      ? { ConditionExpression: 'attribute_not_exists(pk)' }
                      : {
                          ConditionExpression: 'sequencer = :previous',
                          ExpressionAttributeValues: { ':previous': s(current.sequencer) },
                        }),
                  },
                },
                {
                  Update: {
                    TableName: tableName,
                    Key: { pk: s(event.owner), sk: s(USAGE_SK) },
                    UpdateExpression:
                      'ADD #bytes :bytes, #objects :objects, #lb :bytes, #lo :objects, #version :one',
                    ExpressionAttributeNames: {
                      '#bytes': 'bytes',
                      '#objects': 'objects',
                      '#lb': `${delta.level}Bytes`,
                      '#lo': `${delta.level}Objects`,
                      '#version': 'version',
                    },
                    ExpressionAttributeValues: {
                      ':bytes': n(delta.bytes),
                      ':objects': n(delta.objects),
                      ':one': n(1),
                    },
                  },
                },
                // The object arrived: its upload's reservation is now counted as usage.
                ...(event.kind === 'created'
                  ? [
                      {
                        Delete: {
                          TableName: tableName,
                          Key: { pk: s(event.owner), sk: s(reservationSk(event.key)) },
                        },
                      },
                    ]
                  : []),
              ],
            }),
          );
          return 'applied';
        } catch (error) {
          if (!isConditionFailure(error) || attempt >= EVENT_ATTEMPTS) throw error;
        }
      }
    },

    entry: currentEntry,

    async usage(owner) {
      const output = await client.send(
        new GetItemCommand({
          TableName: tableName,
          Key: { pk: s(owner), sk: s(USAGE_SK) },
          ConsistentRead: true,
        }),
      );
      const item = output.Item;
      const quotaBytes = optionalNum(item?.quotaBytes);
      const quotaObjects = optionalNum(item?.quotaObjects);
      return {
        usage: toUsage(item),
        quota: {
          ...(quotaBytes === undefined ? {} : { bytes: quotaBytes }),
          ...(quotaObjects === undefined ? {} : { objects: quotaObjects }),
        },
        version: optionalNum(item?.version),
      };
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
            TransactItems: [
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
                  ConditionExpression:
                    version === undefined ? 'attribute_not_exists(#version)' : '#version = :version',
                },
              },
            ],
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },

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
        level: (item.level?.S ?? 'private') as Level,
        reason: (item.reason?.S ?? 'content_mismatch') as RejectionReason,
        detail: item.detail?.S ?? '',
        at: item.at?.S ?? '',
      }));
    },
  };
}
