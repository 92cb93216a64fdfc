/**
 * Team folders (`groups/{group}/{path}`, issue #19) through the IAM engine. A session carries its
 * groups as session tags, one per slot (`aws:PrincipalTag/group0`…); the role's policy grants one
 * folder per slot. Members read, write, delete and list their group's folder; nobody else touches
 * it, not even a listing; a session without tags reaches no group; and the per-user levels are
 * exactly what they were. A mutation of the tag variable must flip exactly the outsiders' cases.
 */
import { describe, expect, test } from 'vitest';
import { isAllowed } from '../../local/core/policy-engine';
import { GROUP_TAG_SLOTS, groupTagKey, sessionGroups } from '../../shared/domain/groups';
import {
  buildAuthenticatedRolePolicy,
  type PolicyDocument,
  principalTagVariable,
} from '../../shared/policy/access-policy';
import {
  BUCKET_ARN,
  type Caller,
  GROUP_LIST_CASES,
  GROUP_OBJECT_CASES,
  GROUP_SESSIONS,
  groupListAllowed,
  groupObjectAllowed,
  groupTagContext,
  identityContext,
  LIST_CASES,
  listAllowed,
  OBJECT_ACTIONS,
  OBJECT_CASES,
  objectAllowed,
  SHARED_LIST_CASES,
  SHARED_OBJECT_CASES,
  sharedListAllowed,
  sharedObjectAllowed,
} from './matrix';

const policy = buildAuthenticatedRolePolicy({ bucketArn: BUCKET_ARN });

/** Whether a session of `caller` tagged with `groups` (as the function tags it) may act on a key. */
function reaches(
  document: PolicyDocument,
  groups: readonly string[],
  action: string,
  key: string,
  caller: Caller = 'A',
): Promise<boolean> {
  return isAllowed({
    policy: document,
    action,
    resource: `${BUCKET_ARN}/${key}`,
    context: identityContext(caller, groupTagContext(groups)),
  });
}

/** Whether such a session may list under `prefix` (absent: the bucket root). */
function lists(document: PolicyDocument, groups: readonly string[], prefix?: string): Promise<boolean> {
  return isAllowed({
    policy: document,
    action: 's3:ListBucket',
    resource: BUCKET_ARN,
    context: identityContext('A', {
      ...groupTagContext(groups),
      ...(prefix === undefined ? {} : { 's3:prefix': prefix }),
    }),
  });
}

/** Every object action and the folder's listing, for one group folder. */
async function everything(document: PolicyDocument, groups: readonly string[], folder: string) {
  const objects = await Promise.all(
    OBJECT_ACTIONS.map((action) => reaches(document, groups, action, `groups/${folder}/docs/a.txt`)),
  );
  return [...objects, await lists(document, groups, `groups/${folder}/`)];
}
const ALL = [true, true, true, true, true, true];
const NONE = [false, false, false, false, false, false];

describe('team folders: members do everything in theirs, nobody else anything', () => {
  test.each(GROUP_OBJECT_CASES)('$session $action in groups/$folder/ -> allowed: $allowed', async (c) => {
    await expect(groupObjectAllowed(policy, c)).resolves.toBe(c.allowed);
  });

  test.each(GROUP_LIST_CASES)('$session lists $name -> allowed: $allowed', async (c) => {
    await expect(groupListAllowed(policy, c)).resolves.toBe(c.allowed);
  });

  test('the matrix covers every session, folder and action; only members are allowed', () => {
    expect(GROUP_OBJECT_CASES).toHaveLength(3 * 2 * 5);
    expect(GROUP_OBJECT_CASES.filter((c) => c.allowed).map((c) => `${c.session} ${c.folder}`)).toEqual([
      ...Array(5).fill('designer design'),
      ...Array(5).fill('operator ops'),
    ]);
    // Every allowed listing names one group folder, which the session's tags carry.
    for (const c of GROUP_LIST_CASES.filter((c) => c.allowed)) {
      const group = c.prefix?.match(/^groups\/([^/]+)\//)?.[1];
      expect(GROUP_SESSIONS[c.session].groups as readonly string[]).toContain(group);
    }
  });
});

describe('a member reaches its group from any slot', () => {
  // `a0`…: groups that sort before `design`, so `design` lands in the slot under test.
  test.each(Array.from({ length: GROUP_TAG_SLOTS }, (_, slot) => slot))('slot %i', async (slot) => {
    const groups = [...Array.from({ length: slot }, (_, i) => `a${i}`), 'design'];
    expect(groupTagContext(groups)[`aws:PrincipalTag/${groupTagKey(slot)}`]).toBe('design');
    expect(await everything(policy, groups, 'design')).toEqual(ALL);
    expect(await everything(policy, groups, 'ops')).toEqual(NONE);
    expect(await lists(policy, groups, 'groups/')).toBe(false);
  });

  test('mutation: a policy without the last slot loses exactly the member whose group is in it', async () => {
    const last = GROUP_TAG_SLOTS - 1;
    const nineSlots = buildAuthenticatedRolePolicy({
      bucketArn: BUCKET_ARN,
      groupVariable: (slot) => (slot === last ? 'no-such-slot' : principalTagVariable(groupTagKey(slot))),
    });
    const inLastSlot = [...Array.from({ length: last }, (_, i) => `a${i}`), 'design'];
    expect(await everything(nineSlots, inLastSlot, 'design')).toEqual(NONE);
    expect(await everything(nineSlots, ['design'], 'design')).toEqual(ALL);
  });

  test(`a user in ${GROUP_TAG_SLOTS + 1} groups reaches the first ${GROUP_TAG_SLOTS} by name, not the last`, async () => {
    const groups = Array.from({ length: GROUP_TAG_SLOTS + 1 }, (_, i) => `team${String(i).padStart(2, '0')}`);
    const { carried, beyond } = sessionGroups(groups);
    expect(beyond).toEqual(['team10']);
    for (const group of carried) expect(await everything(policy, groups, group)).toEqual(ALL);
    expect(await everything(policy, groups, 'team10')).toEqual(NONE);
  });
});

describe('fails closed', () => {
  test('a session with no tags reaches no group folder, not even an empty group segment', async () => {
    for (const folder of ['design', 'ops', '']) {
      expect(await everything(policy, [], folder), `groups/${folder}/`).toEqual(NONE);
    }
    expect(await lists(policy, [], 'groups/')).toBe(false);
    // An absent tag resolves to nothing, not to "": with the variable gone, the same session gets in.
    const untagged = buildAuthenticatedRolePolicy({ bucketArn: BUCKET_ARN, groupVariable: () => '*' });
    expect(await everything(untagged, [], '')).toEqual(ALL);
  });

  test('a tag under any other key, or past the last slot, reaches nothing', async () => {
    const tagged = (tags: Record<string, string>) =>
      isAllowed({
        policy,
        action: 's3:GetObject',
        resource: `${BUCKET_ARN}/groups/design/a.txt`,
        context: identityContext('A', tags),
      });
    expect(await tagged({ 'aws:PrincipalTag/group0': 'design' })).toBe(true);
    expect(await tagged({ 'aws:PrincipalTag/team': 'design' })).toBe(false);
    expect(await tagged({ [`aws:PrincipalTag/${groupTagKey(GROUP_TAG_SLOTS)}`]: 'design' })).toBe(false);
    expect(await tagged({ 'aws:RequestTag/group0': 'design' })).toBe(false);
  });
});

describe('a group named like a prefix of another reaches only its own folder', () => {
  test.each([
    { member: 'design', other: 'design-team' },
    { member: 'design-team', other: 'design' },
    { member: 'ops', other: 'ops.eu' },
    { member: 'ops', other: 'ops_' },
  ])('$member does not reach $other', async ({ member, other }) => {
    expect(await everything(policy, [member], member)).toEqual(ALL);
    expect(await everything(policy, [member], other)).toEqual(NONE);
    expect(await lists(policy, [member], `groups/${other}`)).toBe(false);
    expect(await lists(policy, [member], `groups/${other}/docs/`)).toBe(false);
  });
});

describe('the per-user matrix holds for sessions carrying every slot', () => {
  // Ten groups, some named like the levels: a tag only ever fills a `groups/{tag}/` pattern.
  const groups = ['private', 'protected', 'public', 'shared', 'groups', 'design', 'ops', 'a', 'b', 'c'];
  const tags = groupTagContext(groups);

  test('ten slots are filled', () => {
    expect(Object.keys(tags)).toHaveLength(GROUP_TAG_SLOTS);
  });

  test('objects and listings in private, protected and public', async () => {
    const broken: string[] = [];
    for (const c of OBJECT_CASES) {
      if ((await objectAllowed(policy, c, tags)) !== c.allowed)
        broken.push(`${c.caller} ${c.action} ${c.level}`);
    }
    for (const c of LIST_CASES) {
      if ((await listAllowed(policy, c, tags)) !== c.allowed) broken.push(`${c.caller} lists ${c.name}`);
    }
    expect(broken).toEqual([]);
  });

  test('the shared level', async () => {
    const broken: string[] = [];
    for (const c of SHARED_OBJECT_CASES) {
      if ((await sharedObjectAllowed(policy, c, undefined, tags)) !== c.allowed)
        broken.push(`${c.role} ${c.action}`);
    }
    for (const c of SHARED_LIST_CASES) {
      if ((await sharedListAllowed(policy, c, tags)) !== c.allowed)
        broken.push(`${c.caller} lists ${c.name}`);
    }
    expect(broken).toEqual([]);
  });

  test('a group named like a level reaches its folder under groups/, never the level', async () => {
    expect(await everything(policy, ['private'], 'private')).toEqual(ALL);
    expect(await reaches(policy, ['private'], 's3:GetObject', 'private/x/a.txt')).toBe(false);
    expect(await lists(policy, ['private'], 'private/')).toBe(false);
  });
});

describe('with the group tag variable replaced by "*"', () => {
  const mutated = buildAuthenticatedRolePolicy({ bucketArn: BUCKET_ARN, groupVariable: () => '*' });

  test("every outsider's object action flips to allowed, and nothing else", async () => {
    const broken: string[] = [];
    for (const c of GROUP_OBJECT_CASES) {
      if ((await groupObjectAllowed(mutated, c)) !== c.allowed)
        broken.push(`${c.session} ${c.action} ${c.folder}`);
    }
    const expected = GROUP_OBJECT_CASES.filter((c) => !c.allowed).map(
      (c) => `${c.session} ${c.action} ${c.folder}`,
    );
    // designer in ops, operator in design, ungrouped in both: 4 x 5 actions.
    expect(expected).toHaveLength(20);
    expect(broken).toEqual(expected);
    // Spelled out, so a change in what the mutation breaks is visible here:
    expect(broken).toContain('designer s3:GetObject ops');
    expect(broken).toContain('operator s3:PutObject design');
    expect(broken).toContain('ungrouped s3:DeleteObject design');
    expect(broken).toContain('ungrouped s3:AbortMultipartUpload ops');
    expect(broken).toContain('designer s3:ListMultipartUploadParts ops');
  });

  test("the listing matrix fails on every outsider's listing of a named folder; the roots stay closed", async () => {
    const broken: string[] = [];
    for (const c of GROUP_LIST_CASES) {
      if ((await groupListAllowed(mutated, c)) !== c.allowed) broken.push(`${c.session}: ${c.name}`);
    }
    expect(broken.sort()).toEqual(
      [
        'designer: an empty group segment',
        'operator: an empty group segment',
        'ungrouped: an empty group segment',
        "operator: design's folder",
        "ungrouped: design's folder",
        "operator: design's folder, delimiter",
        "ungrouped: design's folder, delimiter",
        "operator: design's subfolder",
        "ungrouped: design's subfolder",
        "operator: design's folder, partial file name",
        "ungrouped: design's folder, partial file name",
        "designer: ops's folder",
        "ungrouped: ops's folder",
        "designer: ops's folder, delimiter",
        "ungrouped: ops's folder, delimiter",
        'designer: a group nobody here is in',
        'operator: a group nobody here is in',
        'ungrouped: a group nobody here is in',
        'designer: a group named like a longer design',
        'operator: a group named like a longer design',
        'ungrouped: a group named like a longer design',
      ].sort(),
    );
  });

  test('the per-user matrix does not move: the group statements reach nothing outside groups/', async () => {
    const broken: string[] = [];
    for (const c of OBJECT_CASES) if ((await objectAllowed(mutated, c)) !== c.allowed) broken.push(c.action);
    for (const c of LIST_CASES) if ((await listAllowed(mutated, c)) !== c.allowed) broken.push(c.name);
    for (const c of SHARED_OBJECT_CASES) {
      if ((await sharedObjectAllowed(mutated, c)) !== c.allowed) broken.push(c.action);
    }
    for (const c of SHARED_LIST_CASES)
      if ((await sharedListAllowed(mutated, c)) !== c.allowed) broken.push(c.name);
    expect(broken).toEqual([]);
  });

  test('the identity variable takes no part in group folders', async () => {
    const identityMutated = buildAuthenticatedRolePolicy({ bucketArn: BUCKET_ARN, identityVariable: '*' });
    const broken: string[] = [];
    for (const c of GROUP_OBJECT_CASES) {
      if ((await groupObjectAllowed(identityMutated, c)) !== c.allowed)
        broken.push(`${c.session} ${c.folder}`);
    }
    for (const c of GROUP_LIST_CASES) {
      if ((await groupListAllowed(identityMutated, c)) !== c.allowed) broken.push(`${c.session}: ${c.name}`);
    }
    expect(broken).toEqual([]);
  });
});
