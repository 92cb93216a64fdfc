/**
 * API Gateway's Cognito authorizer (and the local adapter, like it) accepts an ID token of any app
 * client of the pool; the identity pool accepts only its own clients'. The handler must refuse the
 * others itself, on a cold instance (the user was never seen) and a warm one (the user's identity
 * and credentials are cached): a cache must never answer a token the identity pool would refuse.
 * Needs a second app client in the pool, so it runs against a local stack started in this run (its admin keys).
 */
import { randomBytes } from 'node:crypto';
import {
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPoolUser } from '../../local/stack/bootstrap';
import { validateResponse } from '../support/openapi-validator';
import { signInTokens } from './support/session';
import { e2eTarget, type TestUser } from './support/target';

const target = e2eTarget();

async function call(path: string, token: string, init: RequestInit = {}) {
  const response = await fetch(`${target.apiUrl}${path}`, {
    ...init,
    headers: { ...init.headers, Authorization: `Bearer ${token}` },
  });
  const body = await response.text();
  return { status: response.status, contentType: response.headers.get('content-type') ?? undefined, body };
}

async function expectRefused(token: string): Promise<void> {
  const me = await call('me', token);
  validateResponse('GET', '/me', me.status, me.contentType, me.body);
  expect(me.status, me.body).toBe(401);
  expect(JSON.parse(me.body)).toMatchObject({ code: 'unauthorized' });
  const upload = await call('files/uploads', token, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ level: 'private', key: 'x.txt', contentType: 'text/plain', size: 1 }),
  });
  expect(upload.status, upload.body).toBe(401);
  expect(upload.body).not.toContain('X-Amz-Signature');
  const listing = await call('files?level=private', token);
  expect(listing.status, listing.body).toBe(401);
}

const admin = target.localSecrets?.adminCredentials;

describe.runIf(admin !== undefined)('a token of another app client of the pool', () => {
  const idp = new CognitoIdentityProviderClient({
    region: target.region,
    endpoint: target.endpoints.cognitoIdp,
    ...(admin ? { credentials: admin } : {}),
  });
  // A user no test has used, so the handler has nothing cached for them at first.
  const user: TestUser = {
    username: `app-clients-${randomBytes(4).toString('hex')}@example.com`,
    password: `Pw-${randomBytes(9).toString('base64url')}-7a`,
  };
  let otherClientId: string;

  beforeAll(async () => {
    await createPoolUser(idp, target.userPoolId, user);
    const created = await idp.send(
      new CreateUserPoolClientCommand({
        UserPoolId: target.userPoolId,
        ClientName: 'another-app',
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      }),
    );
    otherClientId = created.UserPoolClient?.ClientId ?? '';
    expect(otherClientId).not.toBe('');
  });

  afterAll(() => idp.destroy());

  it('is refused on a cold instance, then a warm one, while the right client is served', async () => {
    const other = await signInTokens({ ...target, userPoolClientId: otherClientId }, user);
    // The authorizer accepted it (a real, valid token of this pool): the refusal is the handler's.
    await expectRefused(other.idToken);

    const own = await signInTokens(target, user);
    const me = await call('me', own.idToken);
    expect(me.status, me.body).toBe(200);

    // Now the user's identity and credentials are cached on the instance.
    const again = await signInTokens({ ...target, userPoolClientId: otherClientId }, user);
    await expectRefused(again.idToken);
  });
});
