/**
 * Team folders: `groups/{group}/{path}`, where `{group}` is a Cognito user-pool group. Pure: which
 * names are groups we serve, and which of a caller's groups their storage session carries as
 * session tags (one tag per slot, `group0`…), since the role's policy grants one folder per slot.
 */
import { ValidationError } from './errors';

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
