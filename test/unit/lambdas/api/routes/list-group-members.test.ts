/**
 * `GET /groups/{group}/members`: members only, decided by the groups the caller's session carries
 * before the user pool is asked; then one page of the pool's `ListUsersInGroup`, its `NextToken`
 * wrapped in a cursor bound to the group.
 */
import {
  CognitoIdentityProviderClient,
  ListUsersInGroupCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  alice,
  config,
  event,
  expectBadRequest,
  expectContract,
  parse,
  sealedConfig,
  type TestUser,
  useHarness,
  withGroups,
} from '../../../support/fixtures';

/** A member's attributes: everyone but `ben` has verified their email. */
const attributes = (name: string) => [
  { Name: 'email', Value: `${name}@example.com` },
  { Name: 'email_verified', Value: String(name !== 'ben') },
];

/** The pool's membership: `design` has five users, one of them disabled. */
const MEMBERS: Record<string, { Username: string; Enabled: boolean; Attributes: unknown[] }[]> = {
  design: ['ann', 'ben', 'cat', 'dan', 'eve'].map((name) => ({
    Username: name,
    Enabled: name !== 'dan',
    Attributes: attributes(name),
  })),
  ops: [{ Username: 'ann', Enabled: true, Attributes: attributes('ann') }],
};

/** How a member is shown: the verified email, else the username. */
const shown = (username: string) => ({
  username,
  name: username === 'ben' ? username : `${username}@example.com`,
});

const pool = mockClient(CognitoIdentityProviderClient);
let pageSize = 60;
beforeEach(() => {
  pageSize = 60;
  // Pages of `pageSize` (the pool's own limit stands in for Limit), NextToken the next index.
  pool
    .on(ListUsersInGroupCommand)
    .callsFake((input: { UserPoolId?: string; GroupName?: string; NextToken?: string }) => {
      const members = MEMBERS[input.GroupName ?? ''];
      if (members === undefined || input.UserPoolId !== sealedConfig.userPoolId) {
        throw Object.assign(new Error('Group not found.'), { name: 'ResourceNotFoundException' });
      }
      if (input.NextToken !== undefined && !/^next-\d+$/.test(input.NextToken)) {
        throw Object.assign(new Error('Invalid pagination token.'), { name: 'InvalidParameterException' });
      }
      const start = input.NextToken === undefined ? 0 : Number(input.NextToken.slice(5));
      const end = start + pageSize;
      return {
        Users: members.slice(start, end),
        ...(end < members.length ? { NextToken: `next-${end}` } : {}),
      };
    });
});
afterEach(() => pool.reset());

/** The event API Gateway sends: the path as sent, the variable decoded. */
function members(user: TestUser, group: string, query?: Record<string, string>): APIGatewayProxyEvent {
  return {
    ...event({
      method: 'GET',
      path: `/groups/${encodeURIComponent(group)}/members`,
      user,
      ...(query ? { query } : {}),
    }),
    resource: '/groups/{group}/members',
    pathParameters: { group },
  };
}
const request = (group: string) => ({ method: 'GET', path: `/groups/${encodeURIComponent(group)}/members` });
const listCalls = () => pool.commandCalls(ListUsersInGroupCommand);

describe('GET /groups/{group}/members (sealed)', () => {
  const harness = useHarness({ config: sealedConfig });
  const call = (input: APIGatewayProxyEvent) => harness().app.call(input);
  const member = withGroups(alice, ['design', 'ops']);

  test("a member gets the group's members from the pool, by verified email or username, disabled users left out", async () => {
    const response = await call(members(member, 'design'));
    expect(response.statusCode, response.body).toBe(200);
    expectContract(request('design'), response);
    expect(parse(response)).toEqual({
      group: 'design',
      members: ['ann', 'ben', 'cat', 'eve'].map(shown),
    });
    expect(listCalls()[0]?.args[0].input).toEqual({
      UserPoolId: sealedConfig.userPoolId,
      GroupName: 'design',
      Limit: 60,
    });
    expect(harness().storageCalls()).toBe(0);
  });

  test("pages with a cursor that carries the pool's token, bound to the group", async () => {
    pageSize = 2;
    const first = parse(await call(members(member, 'design')));
    expect(first.members).toEqual([shown('ann'), shown('ben')]);
    const cursor = String(first.nextCursor);
    expect(cursor).not.toContain('next-2');
    const second = parse(await call(members(member, 'design', { cursor })));
    expect(second.members).toEqual([shown('cat')]);
    expect(listCalls()[1]?.args[0].input.NextToken).toBe('next-2');

    // The same cursor on another of the caller's groups is refused before the pool is asked.
    const replayed = members(member, 'ops', { cursor });
    expectBadRequest(request('ops'), await call(replayed), 'cursor');
    expect(listCalls()).toHaveLength(2);
  });

  test('a token the pool refuses is a 400 naming cursor', async () => {
    pageSize = 2;
    const first = parse(await call(members(member, 'design')));
    // A cursor the API issued, around a token the pool no longer accepts (expired).
    const stale = String(first.nextCursor);
    pool
      .on(ListUsersInGroupCommand)
      .rejects(Object.assign(new Error('Invalid pagination token.'), { name: 'InvalidParameterException' }));
    expectBadRequest(request('design'), await call(members(member, 'design', { cursor: stale })), 'cursor');
  });

  test('a group the pool no longer has (deleted since the token was issued): no members', async () => {
    const response = await call(members(withGroups(alice, ['retired']), 'retired'));
    expect(response.statusCode, response.body).toBe(200);
    expect(parse(response)).toEqual({ group: 'retired', members: [] });
  });

  test('not a member: 403 not_a_member, and the pool is not asked', async () => {
    const response = await call(members(withGroups(alice, ['ops']), 'design'));
    expect(response.statusCode).toBe(403);
    expect(parse(response).code).toBe('not_a_member');
    expectContract(request('design'), response);
    expect(listCalls()).toHaveLength(0);
  });

  test('in no group at all: 403 not_a_member', async () => {
    const response = await call(members(alice, 'design'));
    expect(response.statusCode).toBe(403);
    expect(parse(response).code).toBe('not_a_member');
    expect(listCalls()).toHaveLength(0);
  });

  test('a group past the session’s slots: 403 group_limit, and the pool is not asked', async () => {
    const many = Array.from({ length: 11 }, (_, n) => `team-${String(n).padStart(2, '0')}`);
    const response = await call(members(withGroups(alice, many), 'team-10'));
    expect(response.statusCode).toBe(403);
    expect(parse(response).code).toBe('group_limit');
    expect(listCalls()).toHaveLength(0);
  });

  test.each([
    ['group', 'bad name!', {}],
    ['group', `a${'b'.repeat(64)}`, {}],
    ['cursor', 'design', { cursor: 'forged' }],
    ['debug', 'design', { debug: '1' }],
  ])('400 naming %s, and the pool is not asked', async (field, group, query) => {
    expectBadRequest(request(group), await call(members(member, group, query)), field);
    expect(listCalls()).toHaveLength(0);
  });
});

describe('GET /groups/{group}/members (direct)', () => {
  const harness = useHarness({ config });

  test('400 naming group: a direct-mode session carries no groups', async () => {
    const response = await harness().app.call(members(withGroups(alice, ['design']), 'design'));
    expectBadRequest(request('design'), response, 'group');
    expect(listCalls()).toHaveLength(0);
  });
});
