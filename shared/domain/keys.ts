/**
 * Storage layout and key rules. Pure: no AWS SDK. Every key is validated here
 * before anything is signed, so bad input becomes a 400 naming the field, never a signed URL.
 */
import { ValidationError } from './errors';
import { type CallerGroups, GROUPS_LEVEL, groupFolderOf, groupOwner } from './groups';

/** The levels keyed by identity, `{level}/{identityId}/{path}`: each user's own folders. */
export const OWNER_LEVELS = ['private', 'protected', 'public'] as const;
export type OwnerLevel = (typeof OWNER_LEVELS)[number];

/**
 * The levels a user writes into: their own folders and their groups' folders
 * (`groups/{group}/{path}`, see `groups.ts`).
 */
export const LEVELS = [...OWNER_LEVELS, GROUPS_LEVEL] as const;
export type Level = (typeof LEVELS)[number];

/**
 * The level sharing writes into, keyed `shared/{ownerId}/{granteeId}/{path}`: the owner reads,
 * writes, deletes and lists it; the grantee reads it and lists one owner's folder for them.
 */
export const SHARED_LEVEL = 'shared';
export const ALL_LEVELS = [...LEVELS, SHARED_LEVEL] as const;
export type AnyLevel = (typeof ALL_LEVELS)[number];

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

/**
 * Anything shaped like an identity ID, in any case. In the `shared` level the policy grants reads of
 * `shared/{any}/{sub}/{any}` (a `*` on each side), and IAM's `*` crosses `/`: a path segment equal to a third user's identity
 * ID would make that user a grantee of the key. Such segments are refused there.
 */
const IDENTITY_ID_SHAPE = /^[a-z0-9-]+:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whose files a request addresses, as the full S3 prefix of that folder (ending in `/`). */
export interface Folder {
  readonly level: AnyLevel;
  /** The identity whose folder it is; in `groups`, the group's name. */
  readonly owner: string;
  /** `groups` only: the group whose folder it is (also `owner`). */
  readonly group?: string;
  /** `shared` only: the identity the owner shares these files with. */
  readonly grantee?: string;
  readonly prefix: string;
}

export function levelFolder(level: Level, owner: string): Folder {
  return { level, owner, prefix: ownerPrefix(level, owner) };
}

export function sharedFolder(owner: string, grantee: string): Folder {
  return { level: SHARED_LEVEL, owner, grantee, prefix: `${SHARED_LEVEL}/${owner}/${grantee}/` };
}

/** The whole of an owner's outgoing shares, `shared/{owner}/`: only for the owner's own use. */
export function sharedRootPrefix(owner: string): string {
  return `${SHARED_LEVEL}/${owner}/`;
}

export interface FolderSelector {
  readonly owner?: string | undefined;
  readonly grantee?: string | undefined;
  readonly group?: string | undefined;
}

/**
 * The folder a request addresses. In `private`/`protected`/`public`: the caller's own unless
 * `owner` names another identity (`protected`/`public` only). In `shared`: exactly one of
 * `grantee` (the caller's shares with that identity, `shared/{caller}/{grantee}/`) or `owner`
 * (what that identity shares with the caller, `shared/{owner}/{caller}/`).
 */
export function resolveFolder(
  level: AnyLevel,
  callerIdentityId: string,
  selector: FolderSelector,
  callerGroups?: CallerGroups,
): Folder {
  const { owner, grantee, group } = selector;
  if (level === GROUPS_LEVEL) return groupFolderOf(selector, callerGroups);
  if (group !== undefined)
    throw ValidationError.of('group', `must only be given for level "${GROUPS_LEVEL}"`);
  if (level !== SHARED_LEVEL) {
    if (grantee !== undefined) {
      throw ValidationError.of('grantee', `must only be given for level "${SHARED_LEVEL}"`);
    }
    return levelFolder(level, resolveOwner(level, callerIdentityId, owner));
  }
  if ((owner === undefined) === (grantee === undefined)) {
    throw ValidationError.of(
      owner === undefined ? 'grantee' : 'owner',
      `level "${SHARED_LEVEL}" takes exactly one of grantee (files you share) or owner (files shared with you)`,
    );
  }
  const other = (owner ?? grantee) as string;
  const field = owner === undefined ? 'grantee' : 'owner';
  if (!isIdentityId(other)) {
    throw ValidationError.of(field, 'must be a Cognito identity ID such as "us-east-1:<uuid>"');
  }
  if (other === callerIdentityId) throw ValidationError.of(field, 'must be another identity than yours');
  return owner === undefined ? sharedFolder(callerIdentityId, other) : sharedFolder(other, callerIdentityId);
}

/** The owner's folder in a level (a group's in `groups`), as a full S3 key prefix ending in `/`. */
export function ownerPrefix(level: Level, identityId: string): string {
  return `${level}/${identityId}/`;
}

/**
 * Whose folder a request addresses: the caller's own unless `owner` names another identity, which
 * only `protected` and `public` allow (and only for reading; the policy refuses the rest).
 */
export function resolveOwner(level: OwnerLevel, callerIdentityId: string, owner: string | undefined): string {
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

/** In `shared`, a segment shaped like an identity ID would widen the key's readers (see above). */
function sharedSegmentProblem(level: AnyLevel, segments: readonly string[]): string | undefined {
  if (level !== SHARED_LEVEL) return undefined;
  return segments.some((segment) => IDENTITY_ID_SHAPE.test(segment))
    ? `must not contain a segment shaped like an identity ID ("region:uuid") in level "${SHARED_LEVEL}"`
    : undefined;
}

function pathProblem(level: AnyLevel, value: string, segments: readonly string[]): string | undefined {
  return characterProblem(value) ?? segmentProblem(segments) ?? sharedSegmentProblem(level, segments);
}

function byteLength(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

/**
 * Validates an object key relative to a folder and returns the full S3 key (`{folder}{key}`).
 * Throws a ValidationError naming `field`.
 */
export function keyIn(folder: Folder, key: unknown, field = 'key'): string {
  if (typeof key !== 'string' || key.length === 0)
    throw ValidationError.of(field, 'must be a non-empty string');
  const problem = pathProblem(folder.level, key, key.split('/'));
  if (problem) throw ValidationError.of(field, problem);
  const full = folder.prefix + key;
  if (byteLength(full) > MAX_S3_KEY_BYTES) {
    throw ValidationError.of(
      field,
      `is too long: the full S3 key "${folderPattern(folder.level)}{key}" must be at most ${MAX_S3_KEY_BYTES} bytes`,
    );
  }
  return full;
}

function folderPattern(level: AnyLevel): string {
  return level === SHARED_LEVEL ? `${level}/{ownerId}/{granteeId}/` : `${level}/{identityId}/`;
}

/** `keyIn` for the owner's folder of a level: `{level}/{owner}/{key}`. */
export function toObjectKey(level: Level, owner: string, key: unknown, field = 'key'): string {
  return keyIn(levelFolder(level, owner), key, field);
}

/**
 * Validates a listing prefix relative to a folder (empty, a folder path ending in `/`, or a partial
 * name) and returns the full S3 prefix. Throws a ValidationError naming `field`.
 */
export function listPrefixIn(folder: Folder, prefix: unknown, field = 'prefix'): string {
  if (prefix === undefined || prefix === '') return folder.prefix;
  if (typeof prefix !== 'string') throw ValidationError.of(field, 'must be a string');
  const problem = pathProblem(
    folder.level,
    prefix,
    (prefix.endsWith('/') ? prefix.slice(0, -1) : prefix).split('/'),
  );
  if (problem) throw ValidationError.of(field, problem);
  const full = folder.prefix + prefix;
  if (byteLength(full) > MAX_S3_KEY_BYTES) {
    throw ValidationError.of(
      field,
      `is too long: the full S3 prefix must be at most ${MAX_S3_KEY_BYTES} bytes`,
    );
  }
  return full;
}

/** `listPrefixIn` for the owner's folder of a level. */
export function toListPrefix(level: Level, owner: string, prefix: unknown, field = 'prefix'): string {
  return listPrefixIn(levelFolder(level, owner), prefix, field);
}

/**
 * The key of a listed object relative to its folder, or undefined when it breaks the key rules.
 * Anyone with the owner's credentials can write keys around the API (`../`, bidi overrides,
 * `\\`...); a listing must never hand those to clients that trust the rules.
 */
export function listedKeyIn(folder: Folder, fullKey: string): string | undefined {
  if (!fullKey.startsWith(folder.prefix)) return undefined;
  const key = fullKey.slice(folder.prefix.length);
  if (key.length === 0 || byteLength(fullKey) > MAX_S3_KEY_BYTES) return undefined;
  return pathProblem(folder.level, key, key.split('/')) ? undefined : key;
}

export function listedKey(level: Level, owner: string, fullKey: string): string | undefined {
  return listedKeyIn(levelFolder(level, owner), fullKey);
}

/**
 * A listed common prefix (a sub-folder, ending in `/`) relative to its folder, or undefined when
 * it breaks the key rules (as for `listedKeyIn`).
 */
export function listedFolderIn(folder: Folder, fullPrefix: string): string | undefined {
  if (!fullPrefix.startsWith(folder.prefix) || !fullPrefix.endsWith('/')) return undefined;
  const sub = fullPrefix.slice(folder.prefix.length);
  if (sub.length < 2 || byteLength(fullPrefix) > MAX_S3_KEY_BYTES) return undefined;
  return pathProblem(folder.level, sub, sub.slice(0, -1).split('/')) ? undefined : sub;
}

export function listedFolder(level: Level, owner: string, fullPrefix: string): string | undefined {
  return listedFolderIn(levelFolder(level, owner), fullPrefix);
}

/**
 * Where a write goes: the caller's own folder in a level, or a group's folder they may write
 * (`callerGroups` decides; without them nobody is a member). Nothing else is ever written to.
 */
export function writeFolder(
  level: Level,
  callerIdentityId: string,
  group: string | undefined,
  callerGroups: CallerGroups | undefined,
): Folder {
  // No owner or grantee to choose: the caller's own folder, or the group's.
  return resolveFolder(level, callerIdentityId, { group }, callerGroups);
}

/** Whose usage and quota a folder counts toward: its owner's, or its group's. */
export function usageOwnerOf(folder: Folder): string {
  return folder.group === undefined ? folder.owner : groupOwner(folder.group);
}
