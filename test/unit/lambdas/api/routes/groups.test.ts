/**
 * The `groups` level at the API: members of a group reach its folder with a session tagged with
 * their groups (the role's policy decides by those tags); non-members, groups past the session's
 * slots, bad names and direct mode are refused before anything is signed.
 */
import { GetOpenIdTokenForDeveloperIdentityCommand } from '@aws-sdk/client-cognito-identity';
import { CreateMultipartUploadCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, test } from 'vitest';
import {
  alice,
  config,
  type EventInput,
  expectContract,
  parse,
  sealedConfig,
  useHarness,
  withGroups,
} from '../../../support/fixtures';

const harness = useHarness({ config: sealedConfig });
const designer = withGroups(alice, ['design', 'ops']);
const upload = (body: Record<string, unknown>, user = designer): EventInput => ({
  method: 'POST',
  path: '/files/uploads',
  user,
  body: { contentType: 'text/plain', size: 3, ...body },
});
const principalTags = () =>
  harness()
    .aws.cognito.commandCalls(GetOpenIdTokenForDeveloperIdentityCommand)
    .map((call) => call.args[0].input.PrincipalTags);

describe('level groups', () => {
  test("a member's upload lands in the group's folder, signed with a session tagged with their groups", async () => {
    const request = upload({ level: 'groups', group: 'design', key: 'plans/a.txt' });
    const response = await harness().call(request);
    expect(response.statusCode, response.body).toBe(201);
    expectContract(request, response);
    const body = parse(response);
    expect(body).toMatchObject({ level: 'groups', group: 'design', key: 'plans/a.txt' });
    expect(body.owner).toBeUndefined();
    expect(decodeURIComponent(new URL(String(body.url)).pathname)).toBe('/groups/design/plans/a.txt');
    expect(principalTags()).toEqual([{ group0: 'design', group1: 'ops' }]);
  });

  test('a session is minted per (user, groups): another token with the same groups reuses it, other groups do not', async () => {
    await harness().call(upload({ level: 'groups', group: 'design', key: 'a.txt' }));
    const sameGroups = withGroups(alice, ['ops', 'design']);
    await harness().call(upload({ level: 'groups', group: 'ops', key: 'b.txt' }, sameGroups));
    await harness().call(upload({ level: 'private', key: 'c.txt' }, withGroups(alice, ['design'])));
    await harness().call(upload({ level: 'private', key: 'd.txt' }, alice));
    expect(principalTags()).toEqual([{ group0: 'design', group1: 'ops' }, { group0: 'design' }, undefined]);
  });

  test('a non-member is refused before anything is signed, the same for a group that does not exist', async () => {
    for (const group of ['finance', 'no-such-group']) {
      const request = upload({ level: 'groups', group, key: 'a.txt' });
      const response = await harness().call(request);
      expect(response.statusCode).toBe(403);
      expect(parse(response).code).toBe('not_a_member');
      expect(response.body).not.toContain('X-Amz-Signature');
      expectContract(request, response);
    }
    expect(harness().storageCalls()).toBe(0);
  });

  test('a group past the session slots is a clear group_limit problem', async () => {
    const many = Array.from({ length: 11 }, (_, i) => `team-${String(i).padStart(2, '0')}`);
    const user = withGroups(alice, many);
    const inside = await harness().call(upload({ level: 'groups', group: 'team-09', key: 'a.txt' }, user));
    expect(inside.statusCode, inside.body).toBe(201);
    const past = await harness().call(upload({ level: 'groups', group: 'team-10', key: 'a.txt' }, user));
    expect(past.statusCode).toBe(403);
    expect(parse(past).code).toBe('group_limit');
    expect(Object.keys(principalTags()[0] ?? {})).toHaveLength(10);
  });

  test.each([
    ['group', { level: 'groups', key: 'a.txt' }],
    ['group', { level: 'groups', group: 'bad/name', key: 'a.txt' }],
    ['group', { level: 'groups', group: '*', key: 'a.txt' }],
    ['group', { level: 'private', group: 'design', key: 'a.txt' }],
  ])('a bad or misplaced %s is a 400 naming it', async (field, body) => {
    const response = await harness().call(upload(body));
    expect(response.statusCode, response.body).toBe(400);
    expect(parse(response).field).toBe(field);
  });

  test("listing a group's folder reads exactly that folder, and names the group", async () => {
    harness().aws.s3.on(ListObjectsV2Command).resolves({ Contents: [] });
    const request = {
      method: 'GET',
      path: '/files',
      user: designer,
      query: { level: 'groups', group: 'ops' },
    };
    const response = await harness().call(request);
    expect(response.statusCode, response.body).toBe(200);
    expectContract(request, response);
    expect(parse(response)).toMatchObject({ level: 'groups', group: 'ops' });
    expect(harness().aws.s3.commandCalls(ListObjectsV2Command)[0]?.args[0].input.Prefix).toBe('groups/ops/');
  });

  test('a multipart handle carries its group, and membership is checked again on every use', async () => {
    harness().aws.s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-1' });
    const start = await harness().call({
      method: 'POST',
      path: '/files/multipart',
      user: designer,
      body: {
        level: 'groups',
        group: 'design',
        key: 'big.bin',
        contentType: 'application/octet-stream',
        size: 10,
      },
    });
    expect(start.statusCode, start.body).toBe(201);
    const handle = String(parse(start).upload);
    expect(parse(start).group).toBe('design');
    const outsider = withGroups(alice, ['ops']);
    const parts = await harness().call({
      method: 'POST',
      path: '/files/multipart/parts',
      user: outsider,
      body: { upload: handle, parts: [{ number: 1 }] },
    });
    expect(parts.statusCode).toBe(403);
    expect(parse(parts).code).toBe('not_a_member');
  });

  test('GET /me lists the groups the session carries, and those past its slots', async () => {
    const many = ['a-team', ...Array.from({ length: 10 }, (_, i) => `team-${i}`)];
    const response = await harness().call({ method: 'GET', path: '/me', user: withGroups(alice, many) });
    expect(response.statusCode, response.body).toBe(200);
    const body = parse(response) as { groups: { name: string; prefix: string }[]; groupsBeyond: string[] };
    expect(body.groups.map((group) => group.name)).toEqual(many.slice(0, 10));
    expect(body.groups[0]?.prefix).toBe('groups/a-team/');
    expect(body.groupsBeyond).toEqual(['team-9']);
  });
});

describe('level groups in direct mode', () => {
  const direct = useHarness({ config });

  test('is a 400 naming level: a direct-mode session cannot carry groups', async () => {
    const response = await direct().call(upload({ level: 'groups', group: 'design', key: 'a.txt' }, alice));
    expect(response.statusCode).toBe(400);
    expect(parse(response)).toMatchObject({ field: 'level' });
    expect(String(parse(response).detail)).toContain('sealed mode');
  });
});
