/**
 * `GET /users/{username}`: the user pool resolves the name (username or email alias) to the
 * canonical username and `sub`, the identity comes from that `sub` as sharing derives it, and the
 * answer is the folders others may open; the user is recorded for the names on shares. Bad names
 * are a 400 naming `username` before the pool is asked.
 */
import {
  AdminGetUserCommand,
  CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  alice,
  bob,
  config,
  event,
  expectBadRequest,
  expectContract,
  parse,
  type TestUser,
  useHarness,
} from '../../../support/fixtures';
import { type LedgerTable, ledgerTable, sealedLedgerConfig } from '../../../support/ledger-table';

const emailOf = (user: TestUser) => `${user.username}@example.com`;
const disabled = new Set<string>();

const pool = mockClient(CognitoIdentityProviderClient);
let table: LedgerTable;
beforeEach(() => {
  table = ledgerTable();
  disabled.clear();
  // As the pool answers: by username or by email alias, always with the canonical username.
  pool.on(AdminGetUserCommand).callsFake((input: { UserPoolId?: string; Username?: string }) => {
    const user = [alice, bob].find((u) => input.Username === u.username || input.Username === emailOf(u));
    if (user === undefined || input.UserPoolId !== sealedLedgerConfig.userPoolId) {
      throw Object.assign(new Error('User does not exist.'), { name: 'UserNotFoundException' });
    }
    return {
      Username: user.username,
      Enabled: !disabled.has(user.username),
      UserAttributes: [
        { Name: 'sub', Value: user.sub },
        { Name: 'email', Value: emailOf(user) },
        // Bob verified his address; Alice has not (yet).
        { Name: 'email_verified', Value: user === bob ? 'true' : 'false' },
      ],
    };
  });
});
afterEach(() => {
  pool.reset();
  table.restore();
});

/** The event API Gateway sends: the path as sent, the variable decoded. */
function lookup(username: string, query?: Record<string, string>): APIGatewayProxyEvent {
  // The router needs a segment to match; the function reads only the variable.
  const path = `/users/${encodeURIComponent(username || 'x')}`;
  return {
    ...event({ method: 'GET', path, ...(query ? { query } : {}) }),
    resource: '/users/{username}',
    pathParameters: { username },
  };
}
const request = (username: string) => ({
  method: 'GET',
  path: `/users/${encodeURIComponent(username || 'x')}`,
});

describe('GET /users/{username} (sealed)', () => {
  const harness = useHarness({ config: sealedLedgerConfig });
  const call = (input: APIGatewayProxyEvent) => harness().app.call(input);

  test("answers the user's identity ID and the folders others may open, from the pool's answer", async () => {
    const response = await call(lookup(bob.username));
    expect(response.statusCode, response.body).toBe(200);
    expectContract(request(bob.username), response);
    expect(parse(response)).toEqual({
      username: bob.username,
      name: emailOf(bob),
      identityId: bob.identityId,
      prefixes: { protected: `protected/${bob.identityId}/`, public: `public/${bob.identityId}/` },
    });
    expect(pool.commandCalls(AdminGetUserCommand)[0]?.args[0].input).toEqual({
      UserPoolId: sealedLedgerConfig.userPoolId,
      Username: bob.username,
    });
    expect(harness().storageCalls()).toBe(0);
  });

  test('an alias (email) answers the canonical username, and records who that identity is', async () => {
    const response = await call(lookup(emailOf(bob)));
    expect(response.statusCode, response.body).toBe(200);
    expect(parse(response)).toMatchObject({ username: bob.username, identityId: bob.identityId });
    expect(table.get(bob.identityId, 'person')).toEqual({
      pk: { S: bob.identityId },
      sk: { S: 'person' },
      sub: { S: bob.sub },
      username: { S: bob.username },
      email: { S: emailOf(bob) },
    });
  });

  test('an unverified email is not the name, nor recorded: the username is', async () => {
    const response = await call(lookup(emailOf(alice)));
    expect(response.statusCode, response.body).toBe(200);
    expect(parse(response)).toMatchObject({ username: alice.username, name: alice.username });
    expect(table.get(alice.identityId, 'person')?.email).toBeUndefined();
  });

  test('the same identity ID the user gets for themselves', async () => {
    const own = await harness().call({ method: 'GET', path: '/me', user: bob });
    const looked = await call(lookup(bob.username));
    expect(parse(looked).identityId).toBe(parse(own).identityId);
  });

  test.each([
    ['unknown', 'nobody'],
    ['disabled', bob.username],
  ])('%s: 404 no_such_user, and nobody recorded', async (_, name) => {
    disabled.add(bob.username);
    const response = await call(lookup(name));
    expect(response.statusCode).toBe(404);
    expect(parse(response).code).toBe('no_such_user');
    expectContract(request(name), response);
    expect(table.items.size).toBe(0);
  });

  test.each([
    ['too long', 'a'.repeat(129)],
    ['a control character', 'bob\u0000'],
    ['a line break', 'bob\nadmin'],
    ['a space', 'bob smith'],
    ['a direction override', 'bob\u202Etxt'],
    ['empty (a front door that passed no name)', ''],
  ])('%s: 400 naming username, and the pool is not asked', async (_, name) => {
    const response = await call(lookup(name));
    expectBadRequest(request(name), response, 'username');
    expect(pool.commandCalls(AdminGetUserCommand)).toHaveLength(0);
  });

  test('128 characters, counted as characters, reach the pool', async () => {
    const name = 'é'.repeat(128);
    const response = await call(lookup(name));
    expect(response.statusCode).toBe(404);
    expect(pool.commandCalls(AdminGetUserCommand)[0]?.args[0].input.Username).toBe(name);
  });

  test('an unknown query parameter: 400 naming it', async () => {
    const response = await call(lookup(bob.username, { debug: '1' }));
    expectBadRequest(request(bob.username), response, 'debug');
    expect(pool.commandCalls(AdminGetUserCommand)).toHaveLength(0);
  });
});

describe('GET /users/{username} (direct, never signed in)', () => {
  const harness = useHarness({ config });

  test('409 user_not_ready: no identity yet', async () => {
    const response = await harness().app.call(lookup(bob.username));
    expect(response.statusCode).toBe(409);
    expect(parse(response).code).toBe('user_not_ready');
    expectContract(request(bob.username), response);
  });
});
