/**
 * The local API Gateway adapter's own decisions, with a recording handler behind it: it accepts an ID
 * token of any app client of the pool (as the deployed Cognito authorizer does, so the handler's
 * own app-client check is what is tested), and it enforces the per-user request limit the deployed
 * stack's WAF does, keyed by the verified `sub`, answering a 429 problem with `Retry-After`.
 */
import {
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiAdapter, startApiAdapter } from '../../../local/apigateway/adapter';
import {
  ADMIN_CREDENTIALS,
  createUser,
  createUserPool,
  type LocalServices,
  REGION,
  signIn,
  startLocalServices,
  type TestUser,
  type UserPool,
} from '../support';

let services: LocalServices;
let pool: UserPool;
let otherClient: UserPool;
let alice: TestUser;
let bob: TestUser;
let adapter: ApiAdapter;
let now = Date.UTC(2026, 0, 1);
const invoked: APIGatewayProxyEvent[] = [];

beforeAll(async () => {
  services = await startLocalServices();
  pool = await createUserPool(services.userPool.url, 'adapter-test');
  const idp = new CognitoIdentityProviderClient({
    region: REGION,
    endpoint: services.userPool.url,
    credentials: ADMIN_CREDENTIALS,
  });
  try {
    const created = await idp.send(
      new CreateUserPoolClientCommand({
        UserPoolId: pool.userPoolId,
        ClientName: 'another-app',
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      }),
    );
    otherClient = { ...pool, clientId: created.UserPoolClient?.ClientId ?? '' };
  } finally {
    idp.destroy();
  }
  [alice, bob] = await Promise.all([
    createUser(services.userPool.url, pool, 'alice'),
    createUser(services.userPool.url, pool, 'bob'),
  ]);
  adapter = await startApiAdapter({
    host: '127.0.0.1',
    port: 0,
    userPoolId: pool.userPoolId,
    region: REGION,
    userPoolEndpoint: services.userPool.url,
    allowedOrigins: ['http://localhost:5173'],
    userRateLimit: { perSecond: 1, burst: 3 },
    now: () => now,
    log: () => undefined,
    handler: async (event) => {
      invoked.push(event);
      return { statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: '{}' };
    },
  });
});

afterAll(async () => {
  await adapter?.close();
  await services?.close();
});

const me = (token: string) => fetch(`${adapter.url}me`, { headers: { Authorization: `Bearer ${token}` } });

describe('the local API adapter', () => {
  it("accepts an ID token of any app client of the pool and passes its aud on, as API Gateway's authorizer does", async () => {
    const { idToken } = await signIn(services.userPool.url, otherClient, bob);
    const response = await me(idToken);
    expect(response.status).toBe(200);
    expect(invoked.at(-1)?.requestContext.authorizer?.claims).toMatchObject({
      aud: otherClient.clientId,
      token_use: 'id',
      sub: bob.sub,
    });
  });

  it('limits each user separately, answering 429 rate_limited with Retry-After, and refills', async () => {
    now += 60_000;
    const [mine, theirs] = await Promise.all([
      signIn(services.userPool.url, pool, alice),
      signIn(services.userPool.url, pool, bob),
    ]);
    const before = invoked.length;
    for (let n = 0; n < 3; n += 1) expect((await me(mine.idToken)).status).toBe(200);
    const limited = await me(mine.idToken);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toBe('application/problem+json');
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(await limited.json()).toMatchObject({
      type: 'urn:user-files-api:problem:rate_limited',
      status: 429,
      code: 'rate_limited',
    });
    // The function was not invoked for the refused request; another user is not affected.
    expect(invoked.length - before).toBe(3);
    expect((await me(theirs.idToken)).status).toBe(200);
    // A new token of the same user is the same user.
    const again = await signIn(services.userPool.url, pool, alice);
    expect((await me(again.idToken)).status).toBe(429);

    now += 1_000;
    expect((await me(mine.idToken)).status).toBe(200);
    expect((await me(mine.idToken)).status).toBe(429);
  });

  it('says what a 401 expects, and names an access token sent instead of the ID token', async () => {
    const before = invoked.length;
    const { accessToken } = await signIn(services.userPool.url, pool, alice);
    const cases = [
      [undefined, /Cognito ID token .*not the access token/],
      ['not-a-jwt', /Cognito ID token .*not the access token/],
      [accessToken, /this is the user's access token; send the ID token/],
    ] as const;
    for (const [token, detail] of cases) {
      const response = await fetch(
        `${adapter.url}me`,
        token === undefined ? {} : { headers: { Authorization: token } },
      );
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ status: 401, code: 'unauthorized', title: 'Unauthorized' });
      expect(body.detail).toMatch(detail);
    }
    expect(invoked.length).toBe(before);
  });

  it('answers an unknown path or method 404 "no such route", as the deployed gateway responses do', async () => {
    const { idToken } = await signIn(services.userPool.url, pool, alice);
    for (const [method, path] of [
      ['GET', 'nope'],
      ['PUT', 'files'],
      ['POST', 'me'],
    ] as const) {
      const response = await fetch(`${adapter.url}${path}`, { method, headers: { Authorization: idToken } });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(await response.json()).toMatchObject({
        status: 404,
        code: 'not_found',
        detail: 'no such route: check the method and path',
      });
    }
  });
});
