/**
 * The bucket's object events, as S3 event notifications deliver them (through SQS: one
 * notification document per message body). Only records of our own bucket whose key is an owner's
 * object (`{level}/{identityId}/{path}`, or a share `shared/{ownerId}/{granteeId}/{path}`) become
 * ledger events; anything else is skipped.
 */
import * as z from 'zod';
import { type AnyLevel, isIdentityId, LEVELS, type Level, SHARED_LEVEL } from '../domain/keys';
import { SEQUENCER } from './sequencer';

export interface StorageEvent {
  readonly kind: 'created' | 'deleted';
  /** The full S3 key, decoded. */
  readonly key: string;
  readonly owner: string;
  readonly level: AnyLevel;
  /** In `shared` only: whom the owner shares the object with. */
  readonly grantee?: string;
  /** The key relative to its folder (`{level}/{owner}/`, or `shared/{owner}/{grantee}/`). */
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
  | { readonly level: Level; readonly owner: string; readonly grantee?: undefined; readonly path: string }
  | {
      readonly level: typeof SHARED_LEVEL;
      readonly owner: string;
      readonly grantee: string;
      readonly path: string;
    };

/** The owner and level of a full key, or undefined for a key outside every owner's folder. */
export function ownerOf(key: string): KeyOwner | undefined {
  const [level, owner, ...rest] = key.split('/');
  if (!isIdentityId(owner)) return undefined;
  if (level === SHARED_LEVEL) {
    const [grantee, ...path] = rest;
    if (!isIdentityId(grantee) || path.join('/') === '') return undefined;
    return { level, owner, grantee, path: path.join('/') };
  }
  if (!LEVELS.includes(level as Level) || rest.join('/') === '') return undefined;
  return { level: level as Level, owner, path: rest.join('/') };
}

export class MalformedEventError extends Error {
  override name = 'MalformedEventError';
}

/**
 * The ledger events of one notification document (a message body). Throws MalformedEventError for
 * a body that is not a notification; records of another bucket or outside owners' folders are skipped.
 */
export function parseNotification(body: string, bucket: string): StorageEvent[] {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new MalformedEventError('message body is not JSON');
  }
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
