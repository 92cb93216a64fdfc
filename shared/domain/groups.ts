/**
 * Team folders: `groups/{group}/{path}`, where `{group}` is a Cognito user-pool group. Pure: which
 * names are groups we serve, and which of a caller's groups their storage session carries as
 * session tags (one tag per slot, `group0`…), since the role's policy grants one folder per slot.
 */
import { GroupLimitError, NotAGroupMemberError, ValidationError } from './errors';
import type { Folder, FolderSelector } from './keys';

export const GROUPS_LEVEL = 'groups';

/**
 * How many groups one session can carry. The role's policy has one statement resource per slot;
 * IAM's session-tag limits (50 tags, packed size) leave room, but each slot lengthens the policy.
 */
export const GROUP_TAG_SLOTS = 10;

/** The session tag key of a slot. */
export const groupTagKey = (slot: number) => `group${slot}`;

/**
 * Letters, digits, `_`, `.` and `-`, starting with a letter or digit, at most 64: safe in an S3 key,
 * an IAM resource and a session tag value, with no `/`, `*`, `?` or `$` an IAM pattern could read,
 * and never shaped like an identity ID (which holds `:`).
 */
export const GROUP_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function isGroupName(value: unknown): value is string {
  return typeof value === 'string' && GROUP_NAME.test(value);
}

/** A `group` request field, or a 400 naming it. */
export function groupName(value: unknown, field = 'group'): string {
  if (!isGroupName(value)) {
    throw ValidationError.of(
      field,
      'must be a group name: 1-64 letters, digits, "_", "." or "-", starting with a letter or digit',
    );
  }
  return value;
}

/** The groups a caller's session carries, and those it cannot (over the slots, or not servable names). */
export interface SessionGroups {
  /** Sorted, at most `GROUP_TAG_SLOTS`: slot `i` holds `carried[i]`. */
  readonly carried: readonly string[];
  /** Groups of the caller this deployment cannot reach: past the slots, or names it does not serve. */
  readonly beyond: readonly string[];
}

/**
 * From the verified `cognito:groups` claim: the same groups always land in the same slots (sorted),
 * so a session is cached per (user, groups) and a membership change shows as new groups.
 */
export function sessionGroups(claimed: readonly string[]): SessionGroups {
  const unique = [...new Set(claimed)].sort();
  const servable = unique.filter(isGroupName);
  return {
    carried: servable.slice(0, GROUP_TAG_SLOTS),
    beyond: [...servable.slice(GROUP_TAG_SLOTS), ...unique.filter((name) => !isGroupName(name))],
  };
}

/** The session tags of the carried groups: `{ group0: 'design', group1: 'ops' }`. */
export function groupTags(carried: readonly string[]): Record<string, string> {
  return Object.fromEntries(carried.map((name, slot) => [groupTagKey(slot), name]));
}

/** The folder of a group, as a full S3 prefix. */
export const groupPrefix = (group: string) => `${GROUPS_LEVEL}/${group}/`;

/**
 * The ledger owner of a group: the partition of its usage, objects, reservations, quota override
 * and rejections, `groups/{group}`. It can never be an identity ID (which holds `:`), so a group's
 * partition never meets a user's. The API, the events function and the CLI all key it so.
 */
export const groupOwner = (group: string) => `${GROUPS_LEVEL}/${group}`;

/** The group a ledger owner is the partition of, or undefined for an identity (or anything else). */
export function groupOfOwner(owner: string): string | undefined {
  const prefix = `${GROUPS_LEVEL}/`;
  if (!owner.startsWith(prefix)) return undefined;
  const group = owner.slice(prefix.length);
  return isGroupName(group) ? group : undefined;
}

/** What a request knows of its caller's groups: from the verified claim, or nothing (direct mode). */
export type CallerGroups = SessionGroups | 'direct-mode';

/**
 * The folder of the group a request names, for a caller who is a member whose session carries it.
 * Without the caller's groups (a route that forgot them) nobody is a member: fails closed.
 */
export function groupFolderOf(selector: FolderSelector, groups: CallerGroups | undefined): Folder {
  if (selector.owner !== undefined)
    throw ValidationError.of('owner', `must not be given for level "${GROUPS_LEVEL}"`);
  if (selector.grantee !== undefined) {
    throw ValidationError.of('grantee', `must not be given for level "${GROUPS_LEVEL}"`);
  }
  const group = groupName(selector.group);
  if (groups === 'direct-mode') {
    throw ValidationError.of('level', `groups needs sealed mode: a direct-mode session cannot carry groups`);
  }
  if (groups?.beyond.includes(group)) {
    throw new GroupLimitError(
      `your session carries your first ${GROUP_TAG_SLOTS} groups by name; "${group}" is past them`,
    );
  }
  if (!groups?.carried.includes(group)) throw new NotAGroupMemberError('you are not a member of that group');
  return { level: GROUPS_LEVEL, owner: group, group, prefix: groupPrefix(group) };
}
