/**
 * Group names and the session-tag slots: which of a caller's `cognito:groups` its session carries,
 * in which slot. The policy grants one folder per slot, so the same groups must always land in the
 * same slots, at most GROUP_TAG_SLOTS of them, and never a name an IAM pattern could misread.
 */
import { describe, expect, test } from 'vitest';
import { ValidationError } from '../../../../shared/domain/errors';
import {
  GROUP_TAG_SLOTS,
  groupName,
  groupPrefix,
  groupTagKey,
  groupTags,
  isGroupName,
  sessionGroups,
} from '../../../../shared/domain/groups';

/** `team00`, `team01`, …: names that sort in the order they are made. */
const teams = (count: number) => Array.from({ length: count }, (_, i) => `team${String(i).padStart(2, '0')}`);

describe('group names', () => {
  test.each(['design', 'design-team', 'Ops_2', 'a', 'v1.2', '0day', 'x'.repeat(64)])(
    '%s is servable',
    (name) => {
      expect(isGroupName(name)).toBe(true);
      expect(groupName(name)).toBe(name);
    },
  );

  // Each of these could read as an IAM pattern, a path, a variable or an identity ID, or is too long.
  test.each([
    '',
    'a/b',
    'design*',
    'des?gn',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a JS template.
    '${aws:username}',
    'us-east-1:1b7c9d2e-3f40-4a51-9b62-7c83d94ea5f6',
    '-design',
    '.hidden',
    '_x',
    'with space',
    'dés',
    'x'.repeat(65),
  ])('%j is not servable', (name) => {
    expect(isGroupName(name)).toBe(false);
    expect(() => groupName(name)).toThrow(ValidationError);
  });

  test('a refused request field is a 400 naming the field', () => {
    expect(() => groupName('a/b', 'target.group')).toThrow(
      expect.objectContaining({ status: 400, issues: [expect.objectContaining({ field: 'target.group' })] }),
    );
    expect(isGroupName(42)).toBe(false);
    expect(isGroupName(undefined)).toBe(false);
  });

  test('a group folder is groups/{group}/', () => {
    expect(groupPrefix('design')).toBe('groups/design/');
  });
});

describe('session groups: the claim to the slots', () => {
  test('the same groups land in the same slots, whatever the claim order (sorted)', () => {
    const a = sessionGroups(['ops', 'design', 'Audit']);
    const b = sessionGroups(['design', 'Audit', 'ops']);
    expect(a).toEqual(b);
    // Code-unit order, as Array.prototype.sort: upper case before lower case.
    expect(a.carried).toEqual(['Audit', 'design', 'ops']);
    expect(groupTags(a.carried)).toEqual({ group0: 'Audit', group1: 'design', group2: 'ops' });
  });

  test('a group claimed twice takes one slot', () => {
    expect(sessionGroups(['design', 'design', 'ops']).carried).toEqual(['design', 'ops']);
  });

  test('no groups: no tags, so the session reaches no group folder', () => {
    expect(sessionGroups([])).toEqual({ carried: [], beyond: [] });
    expect(groupTags([])).toEqual({});
  });

  test(`at most ${GROUP_TAG_SLOTS} are carried: the first by name order, the rest are beyond`, () => {
    const claimed = teams(GROUP_TAG_SLOTS + 3).reverse();
    const { carried, beyond } = sessionGroups(claimed);
    expect(carried).toEqual(teams(GROUP_TAG_SLOTS));
    expect(beyond).toEqual(['team10', 'team11', 'team12']);
    const tags = groupTags(carried);
    expect(Object.keys(tags)).toEqual(
      Array.from({ length: GROUP_TAG_SLOTS }, (_, slot) => groupTagKey(slot)),
    );
    expect(tags).toMatchObject({ group0: 'team00', group9: 'team09' });
    expect(tags).not.toHaveProperty('group10');
  });

  test('exactly the slot count fits, with nothing beyond', () => {
    expect(sessionGroups(teams(GROUP_TAG_SLOTS))).toEqual({ carried: teams(GROUP_TAG_SLOTS), beyond: [] });
  });

  test('names that are not servable take no slot and are reported beyond, after the overflow', () => {
    const claimed = ['a/b', ...teams(GROUP_TAG_SLOTS + 1), 'design*', 'zeta'];
    const { carried, beyond } = sessionGroups(claimed);
    // `a/b` sorts before every `teamNN`, yet takes no slot from them.
    expect(carried).toEqual(teams(GROUP_TAG_SLOTS));
    expect(beyond).toEqual(['team10', 'zeta', 'a/b', 'design*']);
    expect(carried.every(isGroupName)).toBe(true);
  });

  test('a prefix of another group is a group of its own, in its own slot', () => {
    expect(groupTags(sessionGroups(['design-team', 'design']).carried)).toEqual({
      group0: 'design',
      group1: 'design-team',
    });
  });

  test('the tag keys are group0 to group9', () => {
    expect(groupTagKey(0)).toBe('group0');
    expect(groupTagKey(GROUP_TAG_SLOTS - 1)).toBe('group9');
  });
});
