/**
 * Storage layout and key rules. Pure: no AWS SDK. Every key is validated here
 * before anything is signed, so bad input becomes a 400 naming the field, never a signed URL.
 */
import { ValidationError } from './errors';

export const LEVELS = ['private', 'protected', 'public'] as const;
export type Level = (typeof LEVELS)[number];

/** S3's own limit on a full object key, in UTF-8 bytes. */
export const MAX_S3_KEY_BYTES = 1024;

/** A Cognito identity ID: `{region}:{uuid}` with a lowercase UUID. */
export const IDENTITY_ID_PATTERN =
  /^[a-z]{2}(-[a-z]+)+-\d{1,2}:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// C0/C1 control characters, plus the bidirectional overrides and isolates that make a key display
// as something it is not ("Trojan Source"); backslash is refused because clients on Windows treat
// it as a path separator, which would reopen `..` tricks the segment rule closes.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const FORBIDDEN_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\\]/u;

export function isIdentityId(value: unknown): value is string {
  return typeof value === 'string' && IDENTITY_ID_PATTERN.test(value);
}

/** The owner's folder in a level, as a full S3 key prefix ending in `/`. */
export function ownerPrefix(level: Level, identityId: string): string {
  return `${level}/${identityId}/`;
}

/**
 * Whose folder a request addresses: the caller's own unless `owner` names another identity, which
 * only `protected` and `public` allow (and only for reading; the policy refuses the rest).
 */
export function resolveOwner(level: Level, callerIdentityId: string, owner: string | undefined): string {
  if (owner === undefined) return callerIdentityId;
  if (level === 'private') {
    throw ValidationError.of('owner', 'must not be given for level "private": only the owner can reach it');
  }
  if (!isIdentityId(owner)) {
    throw ValidationError.of('owner', 'must be a Cognito identity ID such as "us-east-1:<uuid>"');
  }
  return owner;
}

/** Checks the character-level rules shared by keys and prefixes; returns a message, or undefined. */
function characterProblem(value: string): string | undefined {
  if (!value.isWellFormed()) return 'must be valid UTF-8 (no lone surrogates)';
  if (value.normalize('NFC') !== value) return 'must be Unicode NFC-normalized';
  if (FORBIDDEN_CHARACTERS.test(value)) return 'must not contain control characters, bidi overrides or "\\"';
  return undefined;
}

function segmentProblem(segments: readonly string[]): string | undefined {
  for (const segment of segments) {
    if (segment === '') return 'must not start with "/" or contain an empty segment ("//" or a trailing "/")';
    if (segment === '.' || segment === '..') return 'must not contain "." or ".." segments';
  }
  return undefined;
}

function byteLength(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

/**
 * Validates an object key relative to the owner's folder and returns the full S3 key
 * (`{level}/{owner}/{key}`). Throws a ValidationError naming `field`.
 */
export function toObjectKey(level: Level, owner: string, key: unknown, field = 'key'): string {
  if (typeof key !== 'string' || key.length === 0)
    throw ValidationError.of(field, 'must be a non-empty string');
  const problem = characterProblem(key) ?? segmentProblem(key.split('/'));
  if (problem) throw ValidationError.of(field, problem);
  const full = ownerPrefix(level, owner) + key;
  if (byteLength(full) > MAX_S3_KEY_BYTES) {
    throw ValidationError.of(
      field,
      `is too long: the full S3 key "${level}/{identityId}/{key}" must be at most ${MAX_S3_KEY_BYTES} bytes`,
    );
  }
  return full;
}

/**
 * Validates a listing prefix relative to the owner's folder (empty, a folder path ending in `/`, or
 * a partial name) and returns the full S3 prefix. Throws a ValidationError naming `field`.
 */
export function toListPrefix(level: Level, owner: string, prefix: unknown, field = 'prefix'): string {
  if (prefix === undefined || prefix === '') return ownerPrefix(level, owner);
  if (typeof prefix !== 'string') throw ValidationError.of(field, 'must be a string');
  const problem =
    characterProblem(prefix) ??
    segmentProblem((prefix.endsWith('/') ? prefix.slice(0, -1) : prefix).split('/'));
  if (problem) throw ValidationError.of(field, problem);
  const full = ownerPrefix(level, owner) + prefix;
  if (byteLength(full) > MAX_S3_KEY_BYTES) {
    throw ValidationError.of(
      field,
      `is too long: the full S3 prefix must be at most ${MAX_S3_KEY_BYTES} bytes`,
    );
  }
  return full;
}

/**
 * The key of a listed object relative to the owner's folder, or undefined when it breaks the key
 * rules. Anyone with the owner's credentials can write keys around the API (`../`, bidi overrides,
 * `\\`...); a listing must never hand those to clients that trust the rules.
 */
export function listedKey(level: Level, owner: string, fullKey: string): string | undefined {
  const prefix = ownerPrefix(level, owner);
  if (!fullKey.startsWith(prefix)) return undefined;
  const key = fullKey.slice(prefix.length);
  if (key.length === 0 || byteLength(fullKey) > MAX_S3_KEY_BYTES) return undefined;
  return (characterProblem(key) ?? segmentProblem(key.split('/'))) ? undefined : key;
}

/**
 * A listed common prefix (a sub-folder, ending in `/`) relative to the owner's folder, or undefined
 * when it breaks the key rules (as for `listedKey`).
 */
export function listedFolder(level: Level, owner: string, fullPrefix: string): string | undefined {
  const prefix = ownerPrefix(level, owner);
  if (!fullPrefix.startsWith(prefix) || !fullPrefix.endsWith('/')) return undefined;
  const folder = fullPrefix.slice(prefix.length);
  if (folder.length < 2 || byteLength(fullPrefix) > MAX_S3_KEY_BYTES) return undefined;
  return (characterProblem(folder) ?? segmentProblem(folder.slice(0, -1).split('/'))) ? undefined : folder;
}
