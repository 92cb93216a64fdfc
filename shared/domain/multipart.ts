/**
 * Multipart uploads: how an object is cut into parts, and the opaque `upload` handle a client keeps
 * to resume. Pure: no AWS SDK.
 *
 * The handle is NOT signed. It carries only what the caller could ask for anyway (a level, a key
 * relative to their own folder, a size, a type, overwrite) plus storage's upload ID, and every route
 * re-derives everything from it on every call: the key goes through the key rules and into the
 * CALLER's folder, the size and type through the level's upload rules, the part size and count
 * are recomputed from the size, and storage (with the caller's own credentials) decides whether
 * the upload ID exists for that key. An edited handle is therefore either refused (400 naming
 * `upload`, or storage's refusal) or just another request the caller was allowed to make. A signed
 * handle would need a per-deployment secret in the function, and would still not bind anything
 * storage does not already bind.
 */
import * as z from 'zod';
import { ValidationError } from './errors';
import { GROUP_NAME } from './groups';
import { LEVELS, type Level } from './keys';
import { MAX_OBJECT_BYTES } from './limits';
import { MEDIA_TYPE } from './media-types';

export const MIB = 1024 * 1024;
/** Our smallest part: above S3's 5 MiB minimum, big enough that a phone sends few requests. */
export const MIN_PART_BYTES = 8 * MIB;
/** S3's limits for one multipart upload. */
export const MAX_PARTS = 10_000;
export const MAX_PART_BYTES = 5 * 1024 * MIB;
export const MAX_MULTIPART_BYTES = MAX_OBJECT_BYTES;
/** Part URLs one request may ask for. */
export const MAX_PART_URLS_PER_REQUEST = 100;

export interface PartPlan {
  readonly size: number;
  readonly partSize: number;
  readonly partCount: number;
}

/**
 * The part size for an object of `size` bytes: 8 MiB, doubled until the object fits in 10,000
 * parts. Deterministic, so it is recomputed from the size instead of being trusted from a handle.
 */
export function planParts(size: number): PartPlan {
  if (!Number.isSafeInteger(size) || size < 1 || size > MAX_MULTIPART_BYTES) {
    throw ValidationError.of('size', `must be a whole number of bytes from 1 to ${MAX_MULTIPART_BYTES}`);
  }
  let partSize = MIN_PART_BYTES;
  while (Math.ceil(size / partSize) > MAX_PARTS) partSize *= 2;
  return { size, partSize, partCount: Math.ceil(size / partSize) };
}

/** Bytes in part `partNumber` (1-based): `partSize`, except the last, which holds the remainder. */
export function partBytes(plan: PartPlan, partNumber: number): number {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > plan.partCount) {
    throw ValidationError.of('parts', `part numbers must be from 1 to ${plan.partCount}`);
  }
  return partNumber < plan.partCount ? plan.partSize : plan.size - plan.partSize * (plan.partCount - 1);
}

export interface UploadHandle {
  readonly level: Level;
  /** Relative to the caller's own folder; validated again on every use. */
  readonly key: string;
  readonly size: number;
  readonly contentType: string;
  readonly overwrite: boolean;
  /** Storage's multipart upload ID. */
  readonly uploadId: string;
  /** In level `groups`: the group whose folder the upload is in. */
  readonly group?: string;
}

/** The longest handle accepted: a 1 KiB key, a 1 KiB upload ID and a type, base64url-encoded. */
export const MAX_HANDLE_LENGTH = 4096;
/** Upload IDs as S3 issues them (and moto): URL-safe or base64 characters. */
const UPLOAD_ID = /^[A-Za-z0-9._~+/=-]{1,1024}$/;
const HANDLE_VERSION = 1;

// Short names keep the handle short; `v` lets a later format be told apart.
const HandleSchema = z.strictObject({
  v: z.literal(HANDLE_VERSION),
  l: z.enum(LEVELS),
  k: z.string().min(1).max(1024),
  s: z.number().int().min(1).max(MAX_MULTIPART_BYTES),
  t: z.string().max(255).regex(MEDIA_TYPE),
  o: z.boolean(),
  u: z.string().regex(UPLOAD_ID),
  g: z.string().regex(GROUP_NAME).optional(),
});

export function encodeHandle(handle: UploadHandle): string {
  const wire: z.input<typeof HandleSchema> = {
    v: HANDLE_VERSION,
    l: handle.level,
    k: handle.key,
    s: handle.size,
    t: handle.contentType,
    o: handle.overwrite,
    u: handle.uploadId,
    ...(handle.group === undefined ? {} : { g: handle.group }),
  };
  return Buffer.from(JSON.stringify(wire), 'utf8').toString('base64url');
}

/**
 * The handle's fields, checked for shape only (the routes apply the key and upload rules). Anything
 * else, including a truncated or edited encoding, is a 400 naming `upload`.
 */
export function decodeHandle(text: unknown): UploadHandle {
  const refuse = () => ValidationError.of('upload', 'is not an upload handle returned by this API');
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_HANDLE_LENGTH) throw refuse();
  if (!/^[A-Za-z0-9_-]+$/.test(text)) throw refuse();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw refuse();
  }
  const parsed = HandleSchema.safeParse(value);
  if (!parsed.success) throw refuse();
  const { l, k, s, t, o, u, g } = parsed.data;
  return { level: l, key: k, size: s, contentType: t, overwrite: o, uploadId: u, ...(g ? { group: g } : {}) };
}

export interface StoredPart {
  readonly partNumber: number;
  readonly size: number;
  readonly etag: string;
  readonly sha256?: string;
}

/**
 * Refuses to complete unless storage holds exactly parts 1..partCount, each of its agreed size
 * (so the total is the declared size). Returns the parts in order.
 */
export function checkCompleteParts(plan: PartPlan, stored: readonly StoredPart[]): StoredPart[] {
  const byNumber = new Map(stored.map((part) => [part.partNumber, part]));
  const extra = stored.find((part) => part.partNumber > plan.partCount);
  if (extra !== undefined) {
    throw ValidationError.of(
      'upload',
      `storage holds part ${extra.partNumber}, beyond this upload's ${plan.partCount} parts`,
    );
  }
  const ordered: StoredPart[] = [];
  let total = 0;
  for (let number = 1; number <= plan.partCount; number++) {
    const part = byNumber.get(number);
    if (part === undefined) {
      throw ValidationError.of('upload', `part ${number} of ${plan.partCount} has not been uploaded`);
    }
    const expected = partBytes(plan, number);
    if (part.size !== expected) {
      throw ValidationError.of('upload', `part ${number} holds ${part.size} bytes, not ${expected}`);
    }
    total += part.size;
    ordered.push(part);
  }
  if (total !== plan.size) {
    throw ValidationError.of('upload', `the parts hold ${total} bytes, not ${plan.size}`);
  }
  return ordered;
}
