import { GetCredentialsForIdentityCommand, GetIdCommand } from '@aws-sdk/client-cognito-identity';
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../../../../lambdas/api/config';
import { alice, ENV, expectBadRequest, expectContract, parse, useHarness } from '../../../support/fixtures';

const harness = useHarness();

describe('GET /me', () => {
  test('answers the caller identity, folders and limits', async () => {
    const request = { method: 'GET', path: '/me' };
    const response = await harness().call(request);
    expect(response.statusCode, response.body).toBe(200);
    expectContract(request, response);
    expect(parse(response)).toEqual({
      identityId: alice.identityId,
      sub: alice.sub,
      username: alice.username,
      // No verified email among the claims: others see the username.
      name: alice.username,
      prefixes: {
        private: `private/${alice.identityId}/`,
        protected: `protected/${alice.identityId}/`,
        public: `public/${alice.identityId}/`,
      },
      limits: {
        maxUploadBytes: 1048576,
        maxUrlLifetimeSeconds: 3600,
        defaultUrlLifetimeSeconds: 900,
        uploads: {
          private: { maxUploadBytes: 1048576 },
          protected: { maxUploadBytes: 1048576 },
          public: { maxUploadBytes: 1048576 },
          groups: { maxUploadBytes: 1048576 },
        },
      },
    });
  });

  test('sends the ID token to GetId under the user pool Logins key, and fetches no credentials', async () => {
    await harness().call({ method: 'GET', path: '/me' });
    const calls = harness().aws.cognito.commandCalls(GetIdCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      IdentityPoolId: 'us-east-1:11111111-2222-3333-4444-555555555555',
      Logins: { 'cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool1': alice.token },
    });
    expect(harness().aws.cognito.commandCalls(GetCredentialsForIdentityCommand)).toHaveLength(0);
  });

  const claimsWith = (extra: Record<string, string>) => ({
    sub: alice.sub,
    aud: alice.aud,
    'cognito:username': alice.username,
    token_use: 'id',
    ...extra,
  });

  test('the name others see is the verified email of the claims', async () => {
    const request = { method: 'GET', path: '/me' };
    const claims = claimsWith({ email: 'alice@example.com', email_verified: 'true' });
    const response = await harness().call({ ...request, claims });
    expect(response.statusCode, response.body).toBe(200);
    expectContract(request, response);
    expect(parse(response)).toMatchObject({ username: alice.username, name: 'alice@example.com' });
  });

  test.each([
    ['unverified', { email: 'ceo@example.com', email_verified: 'false' }],
    ['without email_verified', { email: 'ceo@example.com' }],
    ['with a control character', { email: 'ceo@example.com\u0007', email_verified: 'true' }],
    ['with a bidi override', { email: 'moc.elpmaxe@\u202Eoec', email_verified: 'true' }],
    ['with a zero-width space', { email: 'ce\u200Bo@example.com', email_verified: 'true' }],
  ])('an email %s is never the name: the username is', async (_, extra) => {
    const response = await harness().call({ method: 'GET', path: '/me', claims: claimsWith(extra) });
    expect(parse(response).name).toBe(alice.username);
  });

  test('accepts the token without the Bearer prefix', async () => {
    const response = await harness().call({
      method: 'GET',
      path: '/me',
      headers: { authorization: alice.token },
    });
    expect(response.statusCode).toBe(200);
  });

  test('refuses unknown query parameters by name', async () => {
    const request = { method: 'GET', path: '/me', query: { debug: '1' } };
    expectBadRequest(request, await harness().call(request), 'debug');
  });
});

describe('GET /me with per-level upload rules', () => {
  const ruled = useHarness({
    config: loadConfig({
      ...ENV,
      UPLOAD_RULES: JSON.stringify({
        private: { maxUploadBytes: 2048, allowedContentTypes: ['Image/*', 'application/pdf'] },
        public: { allowedContentTypes: ['image/png'] },
      }),
    }),
  });

  test('reports each level: its own limit or the default, and its types (lower case) when it has a list', async () => {
    const request = { method: 'GET', path: '/me' };
    const response = await ruled().call(request);
    expect(response.statusCode, response.body).toBe(200);
    expectContract(request, response);
    expect((parse(response).limits as Record<string, unknown>).uploads).toEqual({
      private: { maxUploadBytes: 2048, allowedContentTypes: ['image/*', 'application/pdf'] },
      protected: { maxUploadBytes: 1048576 },
      public: { maxUploadBytes: 1048576, allowedContentTypes: ['image/png'] },
      groups: { maxUploadBytes: 1048576 },
    });
  });
});
