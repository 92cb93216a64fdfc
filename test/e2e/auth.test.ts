/**
 * The gateway in front of the handler: only a valid ID token of this user pool and app client gets
 * through (401 problem documents otherwise, with CORS headers so browsers can read them), CORS
 * preflight is answered without a token, and unknown routes are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack/local-stack';
import { validateResponse } from '../support/openapi-validator';
import { apiFor, signInTokens } from './support/session';
import { e2eTarget } from './support/target';

const target = e2eTarget();
let idToken: string;
let accessToken: string;
let foreign: LocalStack;
let foreignIdToken: string;

beforeAll(async () => {
  // Another user pool altogether (a second, storage-only local stack): its tokens are well formed
  // and validly signed, just not by this pool.
  const [tokens, other] = await Promise.all([
    signInTokens(target, target.users[0]),
    startLocalStack({ quiet: true, api: false }),
  ]);
  idToken = tokens.idToken;
  accessToken = tokens.accessToken;
  foreign = other;
  const [foreignUser] = other.outputs.DemoUsers;
  if (!foreignUser) throw new Error('a demo user expected');
  const foreignTarget = {
    ...target,
    region: other.outputs.Region,
    userPoolId: other.outputs.UserPoolId,
    userPoolClientId: other.outputs.UserPoolClientId,
    endpoints: { cognitoIdp: other.outputs.CognitoIdpEndpoint },
  };
  foreignIdToken = (await signInTokens(foreignTarget, foreignUser)).idToken;
});

afterAll(async () => {
  await foreign?.stop();
});

/** GET /me with the given Authorization header (none when undefined), validated against the spec. */
async function me(authorization: string | undefined): Promise<Response> {
  const response = await fetch(`${target.apiUrl}me`, {
    headers: authorization === undefined ? {} : { Authorization: authorization },
  });
  const body = await response.clone().text();
  validateResponse('GET', '/me', response.status, response.headers.get('content-type') ?? undefined, body);
  return response;
}

async function expectUnauthorized(response: Response): Promise<void> {
  expect(response.status).toBe(401);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.headers.get('access-control-allow-origin')).toBeTruthy();
  expect(await response.json()).toMatchObject({
    type: 'urn:user-files-api:problem:unauthorized',
    status: 401,
    code: 'unauthorized',
  });
}

/** The token with one base64url segment changed. */
function withSegment(token: string, index: number, change: (segment: string) => string): string {
  const parts = token.split('.');
  parts[index] = change(parts[index] ?? '');
  return parts.join('.');
}

describe('the authorizer', () => {
  it('lets a valid ID token through, with or without "Bearer "', async () => {
    expect((await me(idToken)).status).toBe(200);
    expect((await me(`Bearer ${idToken}`)).status).toBe(200);
  });

  it.each([
    ['no Authorization header', () => undefined],
    ['an empty one', () => ''],
    ['"Bearer " alone', () => 'Bearer '],
    ['garbage', () => 'not-a-jwt'],
    [
      'a tampered signature',
      () => withSegment(idToken, 2, (s) => (s.startsWith('A') ? `B${s.slice(1)}` : `A${s.slice(1)}`)),
    ],
    [
      'claims changed under the original signature',
      () =>
        withSegment(idToken, 1, (s) => {
          const claims = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Record<string, unknown>;
          return Buffer.from(
            JSON.stringify({ ...claims, sub: '00000000-0000-4000-8000-000000000000' }),
          ).toString('base64url');
        }),
    ],
    [
      '"alg": "none" with the signature dropped',
      () => {
        const payload = idToken.split('.')[1] ?? '';
        return `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
      },
    ],
    ['the access token instead of the ID token', () => accessToken],
    ['an ID token of another user pool', () => foreignIdToken],
  ])('refuses %s with a 401 problem', async (_, authorization) => {
    await expectUnauthorized(await me(authorization()));
  });

  it('guards every route, not only /me', async () => {
    const anonymous = apiFor(target, 'not-a-jwt');
    const results = await Promise.all([
      anonymous.GET('/files', { params: { query: { level: 'private' } } }),
      anonymous.DELETE('/files', { params: { query: { level: 'private', key: 'a.txt' } } }),
      anonymous.POST('/files/uploads', {
        body: { level: 'private', key: 'a.txt', contentType: 'text/plain', size: 1, overwrite: true },
      }),
      anonymous.POST('/files/downloads', { body: { level: 'private', key: 'a.txt' } }),
      anonymous.GET('/files/properties', { params: { query: { level: 'private', key: 'a.txt' } } }),
    ]);
    expect(results.map((result) => result.response.status)).toEqual([401, 401, 401, 401, 401]);
  });
});

describe('the gateway', () => {
  it('answers CORS preflight without a token, never echoing an unknown origin', async () => {
    const response = await fetch(`${target.apiUrl}files/uploads`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://attacker.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,content-type',
      },
    });
    expect(response.status).toBe(204);
    const allowed = response.headers.get('access-control-allow-origin');
    expect(allowed).toMatch(/^https?:\/\//);
    expect(allowed).not.toBe('https://attacker.example');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
  });

  it('refuses an unknown route or method with a problem document, token or not', async () => {
    for (const [path, method] of [
      ['nope', 'GET'],
      ['files', 'PUT'],
      ['me', 'POST'],
    ] as const) {
      const response = await fetch(`${target.apiUrl}${path}`, {
        method,
        headers: { Authorization: idToken },
      });
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await response.json()).toMatchObject({ status: 404, code: 'not_found' });
    }
  });
});
