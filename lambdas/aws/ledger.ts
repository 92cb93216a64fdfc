/**
 * The usage ledger in DynamoDB, one partition per owner (`pk` = identity ID):
 * - `usage`: bytes and objects in total and per level, a per-user quota override, and `version`,
 *   bumped by every write so reservations can be made with optimistic locking;
 * - `object#{key}`: the key's last applied event (size, sequencer; a tombstone after a delete);
 * - `reservation#{key}`: an issued upload URL's size until it expires (TTL `expiresAt`);
 * - `rejection#{time}#{key}`: an object the events function removed, and why (TTL);
 * - `incoming#{ownerId}/{path}`: the share index, in the GRANTEE's partition: one item per object
 *   another user shares with them (`shared/{ownerId}/{grantee}/{path}`), for `GET /files/shared-with-me`.
 * Each event is ONE TransactWriteItems conditioned on the object item's sequencer, so a repeat or an
 * older event never counts twice, and concurrent deliveries of one key serialize; a share's index
 * item is written or removed in the same transaction, so it follows the same order.
 *
 * A tombstone only has to outlive the events that could still arrive for its key, so it expires
 * (TTL) after the queue's retention; and a delete of a key the ledger holds nothing live for changes
 * no usage, so after `DELETE /me/data` has removed a user's partition, late events leave nothing
 * but expiring tombstones.
 */
import {
  type AttributeValue,
  BatchWriteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import type { AnyLevel, Level } from '../../shared/domain/keys';
import type { Quota, Reservation } from '../../shared/domain/quota';
import type { RejectionReason } from '../../shared/events/content-check';
import { EMPTY_USAGE, type ObjectEntry, planEvent, type Usage } from '../../shared/events/ledger';
import type { StorageEvent } from '../../shared/events/s3-event';
import { compareSequencers } from '../../shared/events/sequencer';

export interface Rejection {
  /** The full S3 key. */
  readonly key: string;
  readonly level: AnyLevel;
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
  /** One page of the share index of `grantee`, ordered by owner then path. */
  sharedWith(grantee: string, page: { limit: number; after?: string }): Promise<IncomingSharePage>;
  /**
   * Removes every item of `owner`'s partition (usage, entries, reservations, rejections, incoming
   * shares), a page at a time until none is left or `shouldStop()`; true when none is left.
   */
  purge(owner: string, shouldStop: () => boolean): Promise<boolean>;
}

export interface IncomingShare {
  readonly owner: string;
  /** Relative to the share's folder `shared/{owner}/{grantee}/`. */
  readonly path: string;
  readonly size: number;
  /** ISO time of the event that wrote the shared copy. */
  readonly sharedAt: string;
}

export interface IncomingSharePage {
  readonly items: IncomingShare[];
  /** The sort key to continue after, when there may be more. */
  readonly next?: string;
}

export const USAGE_SK = 'usage';
export const objectSk = (key: string) => `object#${key}`;
export const reservationSk = (key: string) => `reservation#${key}`;
export const INCOMING_PREFIX = 'incoming#';
export const incomingSk = (owner: string, path: string) => `${INCOMING_PREFIX}${owner}/${path}`;
/** Past the queue's (4 days) and the dead-letter queue's (14 days) retention, no event can still arrive. */
export const TOMBSTONE_TTL_SECONDS = 21 * 24 * 3600;
/** BatchWriteItem's limit. */
const BATCH_WRITE_ITEMS = 25;
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
        const nowSeconds = Math.floor(now() / 1000);
        const transactItems: TransactWriteItem[] = [
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
                ...(next.deleted ? { expiresAt: n(nowSeconds + TOMBSTONE_TTL_SECONDS) } : {}),
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
        ];
        // A delete of nothing live changes no usage: it must not recreate a removed usage item.
        if (event.kind === 'created' || delta.objects !== 0 || delta.bytes !== 0) {
          transactItems.push({
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
          });
        }
        if (event.kind === 'created') {
          // The object arrived: its upload's reservation is now counted as usage.
          transactItems.push({
            Delete: { TableName: tableName, Key: { pk: s(event.owner), sk: s(reservationSk(event.key)) } },
          });
        }
        if (event.grantee !== undefined) {
          const indexKey = { pk: s(event.grantee), sk: s(incomingSk(event.owner, event.path)) };
          transactItems.push(
            event.kind === 'created'
              ? {
                  Put: {
                    TableName: tableName,
                    Item: {
                      ...indexKey,
                      owner: s(event.owner),
                      path: s(event.path),
                      size: n(event.size),
                      sharedAt: s(event.eventTime),
                    },
                  },
                }
              : { Delete: { TableName: tableName, Key: indexKey } },
          );
        }
        try {
          await client.send(new TransactWriteItemsCommand({ TransactItems: transactItems }));
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
        level: (item.level?.S ?? 'private') as AnyLevel,
        reason: (item.reason?.S ?? 'content_mismatch') as RejectionReason,
        detail: item.detail?.S ?? '',
        at: item.at?.S ?? '',
      }));
    },

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
          let requests: WriteRequest[] = keys
            .slice(i, i + BATCH_WRITE_ITEMS)
            .map((Key) => ({ DeleteRequest: { Key } }));
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
        }
      }
    },
  };
}
