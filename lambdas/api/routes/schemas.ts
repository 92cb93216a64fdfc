/**
 * Input shapes shared by the routes (zod, strict: unknown fields are refused by name). They check
 * types and simple bounds; the storage rules (keys, owners, prefixes, lifetimes) are the domain's.
 */
import * as z from 'zod';
import { ALL_LEVELS, LEVELS } from '../../../shared/domain/keys';
import { SHA256_BASE64 } from '../../../shared/domain/limits';
import { MEDIA_TYPE } from '../../../shared/domain/media-types';

/** A level the caller writes into. */
export const level = z.enum(LEVELS, { error: `must be one of ${LEVELS.join(', ')}` });

/** Any level, `shared` included: for reading, listing and deleting. */
export const anyLevel = z.enum(ALL_LEVELS, { error: `must be one of ${ALL_LEVELS.join(', ')}` });

export const key = z.string({ error: 'must be a string' });

export const owner = z.string({ error: 'must be a string' });

export const grantee = z.string({ error: 'must be a string' });

/** In level `groups`: the group's name (checked by `groupName` with the folder). */
export const group = z.string({ error: 'must be a string' });

const MAX_CONTENT_TYPE_LENGTH = 255;

export const contentType = z
  .string({ error: 'must be a string' })
  .max(MAX_CONTENT_TYPE_LENGTH, `must be at most ${MAX_CONTENT_TYPE_LENGTH} characters`)
  .regex(MEDIA_TYPE, 'must be a MIME type such as "image/jpeg" (type/subtype, optional parameters)');

export const sha256 = z
  .string({ error: 'must be a string' })
  .regex(SHA256_BASE64, 'must be the base64 SHA-256 of the body (44 characters)');

/** A positive whole number in a query string, such as `limit=50`. */
export const queryInteger = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,10}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
