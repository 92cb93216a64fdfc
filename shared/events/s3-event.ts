/**
 * The bucket's object events, as S3 event notifications deliver them (through SQS: one
 * notification document per message body). Only records of our own bucket whose key is an owner's
 * object (`{level}/{identityId}/{path}`, a share `shared/{ownerId}/{granteeId}/{path}`, or a team
 * folder's `groups/{group}/{path}`, owned by the group's partition `groups/{group}`) become ledger
 * events; anything else is skipped.
 */
import * as z from 'zod';
import { GROUPS_LEVEL, groupOwner, isGroupName } from '../domain/groups';
import { type AnyLevel, isIdentityId, OWNER_LEVELS, type OwnerLevel, SHARED_LEVEL } from '../domain/keys';
import { SEQUENCER } from './sequencer';

export interface StorageEvent {
  readonly kind: 'created' | 'deleted';
  /** The full S3 key, decoded. */
  readonly key: string;
  /** The ledger partition: an identity ID, or `groups/{group}` for a team folder's object. */
  readonly owner: string;
  readonly level: AnyLevel;
  /** In `shared` only: whom the owner shares the object with. */
  readonly grantee?: string;
  /** In `groups` only: the group whose folder holds the object. */
  readonly group?: string;
  /**
   * The key relative to its folder (`{level}/{owner}/`, `shared/{owner}/{grantee}/` or
   * `groups/{group}/`).
   */
  readonly path: string;
  /** Bytes of a created object; 0 for a delete (S3 sends none). */
  readonly size: number;
  readonly sequencer: string;
  readonly eTag?: string;
  readonly eventTime: string;
  readonly eventName: string;
}

const RecordSchema = z.object({
  eventSource: z.literal('aws:s3'),
  eventTime: z.string(),
  eventName: z.string().regex(/^Object(Created|Removed):[A-Za-z]+$/),
  s3: z.object({
    bucket: z.object({ name: z.string() }),
    object: z.object({
      key: z.string().min(1),
      size: z.number().int().min(0).optional(),
      eTag: z.string().optional(),
      sequencer: z.string().regex(SEQUENCER),
    }),
  }),
});

const NotificationSchema = z.union([
  z.object({ Records: z.array(z.unknown()) }),
  // Sent once when the notification is configured: no object event.
  z.object({ Event: z.literal('s3:TestEvent') }),
]);

export type S3EventRecord = z.input<typeof RecordSchema>;

/** S3 writes keys form-encoded in notifications: `+` for a space, `%XX` for the rest. */
export function decodeEventKey(raw: string): string {
  return decodeURIComponent(raw.replace(/\+/g, ' '));
}

export type KeyOwner =
  | {
      readonly level: OwnerLevel;
      readonly owner: string;
      readonly grantee?: undefined;
      readonly group?: undefined;
      readonly path: string;
    }
  | {
      readonly level: typeof SHARED_LEVEL;
      readonly owner: string;
      readonly grantee: string;
      readonly group?: undefined;
      readonly path: string;
    }
  | {
      readonly level: typeof GROUPS_LEVEL;
      /** The group's ledger partition, `groups/{group}` (`groupOwner`). */
      readonly owner: string;
      readonly grantee?: undefined;
      readonly group: string;
      readonly path: string;
    };

/**
 * The owner and level of a full key, or undefined for a key outside every owner's folder. Only an
 * identity ID keys `private`, `protected` and `public`, and only a group name keys `groups`: a
 * `groups/{identityId}/...` key belongs to no folder, nor does a group name in a user's level.
 */
export function ownerOf(key: string): KeyOwner | undefined {
  const [level, first, ...rest] = key.split('/');
  const path = rest.join('/');
  if (first === undefined || path === '') return undefined;
  if (level === GROUPS_LEVEL) {
    return isGroupName(first) ? { level, owner: groupOwner(first), group: first, path } : undefined;
  }
  if (!isIdentityId(first)) return undefined;
  if (level === SHARED_LEVEL) {
    const [grantee, ...shared] = rest;
    const sharedPath = shared.join('/');
    if (!isIdentityId(grantee) || sharedPath === '') return undefined;
    return { level, owner: first, grantee, path: sharedPath };
  }
  if (!OWNER_LEVELS.includes(level as OwnerLevel)) return undefined;
  return { level: level as OwnerLevel, owner: first, path };
}

export class MalformedEventError extends Error {
  override name = 'MalformedEventError';
}

/**
 * The ledger events of one notification document (a message body). Throws MalformedEventError for
 * a body that is not a notification; records of another bucket or outside owners' folders are skipped.
 */
export function parseNotification(body: string, bucket: string): StorageEvent[] {
  return eventsOfNotification(messageJson(body), bucket);
}

/** A message body as JSON (a notification or a scan result); MalformedEventError when it is not. */
export function messageJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new MalformedEventError('message body is not JSON');
  }
}

/** `parseNotification` of a body already parsed as JSON. */
export function eventsOfNotification(json: unknown, bucket: string): StorageEvent[] {
  const parsed = NotificationSchema.safeParse(json);
  if (!parsed.success) throw new MalformedEventError('message body is not an S3 event notification');
  if (!('Records' in parsed.data)) return [];
  const events: StorageEvent[] = [];
  for (const raw of parsed.data.Records) {
    const record = RecordSchema.safeParse(raw);
    if (!record.success) throw new MalformedEventError('an S3 event record is malformed');
    const { eventName, eventTime, s3 } = record.data;
    if (s3.bucket.name !== bucket) continue;
    let key: string;
    try {
      key = decodeEventKey(s3.object.key);
    } catch {
      throw new MalformedEventError('an S3 event key is not form-encoded UTF-8');
    }
    const where = ownerOf(key);
    if (!where) continue;
    const created = eventName.startsWith('ObjectCreated:');
    if (created && s3.object.size === undefined) throw new MalformedEventError('a created event has no size');
    events.push({
      kind: created ? 'created' : 'deleted',
      key,
      owner: where.owner,
      level: where.level,
      ...(where.grantee === undefined ? {} : { grantee: where.grantee }),
      ...(where.group === undefined ? {} : { group: where.group }),
      path: where.path,
      size: created ? (s3.object.size ?? 0) : 0,
      sequencer: s3.object.sequencer,
      ...(s3.object.eTag ? { eTag: s3.object.eTag } : {}),
      eventTime,
      eventName,
    });
  }
  return events;
}
