/**
 * API Gateway's Cognito authorizer accepts an ID token of any app client of the pool; the handler
 * serves only the configured ones, and decides so before any cache is consulted.
 */
import { GetIdCommand } from '@aws-sdk/client-cognito-identity';
import { describe, expect, test } from 'vitest';
import {
  alice,
  type EventInput,
  expectContract,
  parse,
  type TestUser,
  testUser,
  useHarness,
} from '../../support/fixtures';

const harness = useHarness();
const me: EventInput = { method: 'GET', path: '/me' };

/** Alice signed in through an app client this API is not configured for. */
const aliceElsewhere: TestUser = testUser(1, 'otherappclient9');

function expectUnauthorized(request: EventInput, response: { statusCode: number; body: string }) {
  expect(response.statusCode, response.body).toBe(401);
  expect(parse(response as never)).toMatchObject({ code: 'unauthorized' });
  expectContract(request, response as never);
}

describe('app clients', () => {
  test('a token of another app client is refused on a cold instance, before any Cognito call', async () => {
    const request = { ...me, user: aliceElsewhere };
    expectUnauthorized(request, await harness().call(request));
    expect(harness().aws.cognito.calls()).toHaveLength(0);
  });

  test('a token of another app client is refused on a warm instance that has the user cached', async () => {
    expect((await harness().call(me)).statusCode).toBe(200);
    const calls = harness().aws.cognito.calls().length;
    for (const request of [
      { ...me, user: aliceElsewhere },
      {
        method: 'POST',
        path: '/files/uploads',
        user: aliceElsewhere,
        body: { level: 'private', key: 'a.txt', contentType: 'text/plain', size: 1 },
      },
      { method: 'GET', path: '/files', user: aliceElsewhere, query: { level: 'private' } },
    ] satisfies EventInput[]) {
      expectUnauthorized(request, await harness().call(request));
    }
    expect(harness().aws.cognito.calls()).toHaveLength(calls);
    expect(harness().storageCalls()).toBe(0);
  });

  test('a token of the second configured app client is served', async () => {
    const mobile = testUser(1, 'testappclient2');
    // The identity pool lists both app clients, so it accepts this token too.
    harness().aws.cognito.on(GetIdCommand).resolves({ IdentityId: alice.identityId });
    const request = { ...me, user: mobile };
    const response = await harness().call(request);
    expect(response.statusCode, response.body).toBe(200);
    expectContract(request, response);
  });

  test.each([
    ['no aud claim', { sub: alice.sub, token_use: 'id' }],
    [
      'an aud claim that is not a configured client',
      { sub: alice.sub, aud: 'otherappclient9', token_use: 'id' },
    ],
    [
      'claims of a configured client beside a token of another',
      { sub: alice.sub, aud: 'testappclient2', token_use: 'id' },
    ],
  ])('answers 401 for %s, calling nothing', async (_name, claims) => {
    const request = { ...me, claims };
    expectUnauthorized(request, await harness().call(request));
    expect(harness().aws.cognito.calls()).toHaveLength(0);
  });
});
