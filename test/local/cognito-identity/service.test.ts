import type { KeyObject } from 'node:crypto';
import {
  CognitoIdentityClient,
  DescribeIdentityPoolCommand,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  GetOpenIdTokenCommand,
  ListIdentityPoolsCommand,
} from '@aws-sdk/client-cognito-identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentityService } from '../../../local/cognito-identity/service';
import { createCredentialStore, type IdentityPool } from '../../../local/core/credential-store';
import { IDENTITY_ID_PATTERN } from '../../../shared/domain/keys';
import {
  ADMIN_CREDENTIALS,
  createUser,
  createUserPool,
  decodeJwtPart,
  type LocalServices,
  REGION,
  registerIdentityPool,
  signIn,
  signJwt,
  startLocalServices,
  type TestUser,
  type UserPool,
} from '../support';

let services: LocalServices;
let client: CognitoIdentityClient;
let pool: UserPool;
let foreignPool: UserPool;
let identityPool: IdentityPool;
let alice: TestUser;
let bob: TestUser;
let foreignUser: TestUser;
let poolKey: KeyObject;

beforeAll(async () => {
  services = await startLocalServices();
  client = new CognitoIdentityClient({
    region: REGION,
    endpoint: services.identity.url,
    credentials: ADMIN_CREDENTIALS,
    maxAttempts: 1,
  });
  [pool, foreignPool] = await Promise.all([
    createUserPool(services.userPool.url, 'identity-test'),
    createUserPool(services.userPool.url, 'foreign-pool'),
  ]);
  [alice, bob, foreignUser] = await Promise.all([
    createUser(services.userPool.url, pool, 'alice'),
    createUser(services.userPool.url, pool, 'bob'),
    createUser(services.userPool.url, foreignPool, 'mallory'),
  ]);
  identityPool = registerIdentityPool(services.store, pool, 'identity-test-bucket');
  poolKey = services.moto.signingKey;
});

afterAll(async () => {
  client?.destroy();
  await services?.close();
});

async function idToken(user: TestUser, from = pool): Promise<string> {
  return (await signIn(services.userPool.url, from, user)).idToken;
}

async function getId(token: string, providerName = pool.providerName, identityPoolId = identityPool.id) {
  const result = await client.send(
    new GetIdCommand({ IdentityPoolId: identityPoolId, Logins: { [providerName]: token } }),
  );
  return result.IdentityId ?? '';
}

/** A token signed with the pool's real key (generated at moto's start), claims as issued unless overridden. */
function forged(
  user: TestUser,
  overrides: Record<string, unknown>,
  header: Record<string, unknown> = {},
): string {
  const now = Math.floor(Date.now() / 1000);
  return signJwt(
    poolKey,
    { typ: 'JWT', kid: services.moto.signingKeyId, alg: 'RS256', ...header },
    {
      iss: `https://${pool.providerName}`,
      sub: user.sub,
      aud: pool.clientId,
      token_use: 'id',
      iat: now,
      auth_time: now,
      exp: now + 3600,
      'cognito:username': user.username,
      ...overrides,
    },
  );
}

describe('GetId', () => {
  it('returns the same identity ID for the same user with two different tokens', async () => {
    const [first, second] = [await idToken(alice), await idToken(alice)];
    expect(first).not.toBe(second);
    const [id1, id2] = await Promise.all([getId(first), getId(second)]);
    expect(id1).toMatch(IDENTITY_ID_PATTERN);
    expect(id2).toBe(id1);
  });

  it('keeps identity IDs across a restart of the service (fresh store, same pool)', async () => {
    const token = await idToken(alice);
    const before = await getId(token);
    const store = createCredentialStore();
    store.createIdentityPool({
      id: identityPool.id,
      name: identityPool.name,
      region: REGION,
      providers: identityPool.providers,
      authenticatedRole: identityPool.authenticatedRole,
    });
    const restarted = await startIdentityService({
      store,
      region: REGION,
      userPoolEndpoint: services.userPool.url,
    });
    const restartedClient = new CognitoIdentityClient({
      region: REGION,
      endpoint: restarted.url,
      credentials: ADMIN_CREDENTIALS,
    });
    try {
      const after = await restartedClient.send(
        new GetIdCommand({ IdentityPoolId: identityPool.id, Logins: { [pool.providerName]: token } }),
      );
      expect(after.IdentityId).toBe(before);
    } finally {
      restartedClient.destroy();
      await restarted.close();
    }
  });

  it('gives two users two different identity IDs', async () => {
    const [aliceId, bobId] = await Promise.all([getId(await idToken(alice)), getId(await idToken(bob))]);
    expect(aliceId).not.toBe(bobId);
  });

  it('accepts an otherwise valid token signed with the pool key (the forging helper is sound)', async () => {
    // Guards the refusal tests below: each one changes exactly one thing of a token that works.
    expect(await getId(forged(alice, {}))).toBe(await getId(await idToken(alice)));
  });

  const refusals: Array<[string, () => Promise<string>]> = [
    ['a garbage string', async () => 'not-a-jwt'],
    [
      'an expired token',
      async () => forged(alice, { iat: 1_600_000_000, auth_time: 1_600_000_000, exp: 1_600_003_600 }),
    ],
    [
      'a tampered token (payload changed, signature kept)',
      async () => {
        const [header, , signature] = (await idToken(alice)).split('.');
        const payload = { ...decodeJwtPart(await idToken(alice), 1), sub: bob.sub };
        return `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`;
      },
    ],
    [
      'an alg "none" token',
      async () => {
        const token = await idToken(alice);
        const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
        return `${header}.${token.split('.')[1]}.`;
      },
    ],
    ['an access token', async () => (await signIn(services.userPool.url, pool, alice)).accessToken],
    ['a token for another app client', async () => forged(alice, { aud: 'another-client-id' })],
    ['a token with token_use missing', async () => forged(alice, { token_use: undefined })],
    ['a token issued by another user pool', async () => idToken(foreignUser, foreignPool)],
  ];
  for (const [name, token] of refusals) {
    it(`refuses ${name} with NotAuthorizedException`, async () => {
      await expect(getId(await token())).rejects.toMatchObject({ name: 'NotAuthorizedException' });
    });
  }

  it('refuses a provider that is not configured for the identity pool', async () => {
    const token = await idToken(foreignUser, foreignPool);
    await expect(getId(token, foreignPool.providerName)).rejects.toMatchObject({
      name: 'NotAuthorizedException',
      message: 'Token is not from a supported provider of this identity pool.',
    });
  });

  it('refuses unauthenticated access (no Logins)', async () => {
    await expect(client.send(new GetIdCommand({ IdentityPoolId: identityPool.id }))).rejects.toMatchObject({
      name: 'NotAuthorizedException',
    });
  });

  it('answers an unknown identity pool with ResourceNotFoundException', async () => {
    await expect(
      getId(await idToken(alice), pool.providerName, `${REGION}:00000000-0000-4000-8000-000000000000`),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('answers a malformed identity pool ID with a validation error', async () => {
    await expect(getId(await idToken(alice), pool.providerName, 'not-a-pool')).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });
});

describe('GetCredentialsForIdentity', () => {
  it('mints temporary credentials bound to the identity, its pool and the authenticated role', async () => {
    const token = await idToken(alice);
    const identityId = await getId(token);
    const before = Date.now();
    const result = await client.send(
      new GetCredentialsForIdentityCommand({
        IdentityId: identityId,
        Logins: { [pool.providerName]: token },
      }),
    );
    expect(result.IdentityId).toBe(identityId);
    const credentials = result.Credentials;
    expect(credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(credentials?.SecretKey?.length).toBeGreaterThanOrEqual(40);
    expect(credentials?.SessionToken?.length).toBeGreaterThan(100);
    const expiration = credentials?.Expiration?.getTime() ?? 0;
    expect(expiration).toBeGreaterThan(before + 3500_000);
    expect(expiration).toBeLessThanOrEqual(Date.now() + 3601_000);

    const issued = services.store.findCredentials(credentials?.AccessKeyId ?? '');
    expect(issued).toMatchObject({
      identityId,
      identityPoolId: identityPool.id,
      roleArn: identityPool.authenticatedRole.arn,
      sessionToken: credentials?.SessionToken,
    });
    expect(issued?.amr).toEqual([
      'authenticated',
      pool.providerName,
      `${pool.providerName}:CognitoSignIn:${alice.sub}`,
    ]);
  });

  it("refuses an identity ID that is not the token's user", async () => {
    const bobId = await getId(await idToken(bob));
    await expect(
      client.send(
        new GetCredentialsForIdentityCommand({
          IdentityId: bobId,
          Logins: { [pool.providerName]: await idToken(alice) },
        }),
      ),
    ).rejects.toMatchObject({ name: 'NotAuthorizedException' });
  });

  it('refuses a bad token for the right identity ID', async () => {
    const aliceId = await getId(await idToken(alice));
    await expect(
      client.send(
        new GetCredentialsForIdentityCommand({
          IdentityId: aliceId,
          Logins: { [pool.providerName]: forged(alice, { exp: 1_600_003_600 }) },
        }),
      ),
    ).rejects.toMatchObject({ name: 'NotAuthorizedException' });
  });

  it('refuses to mint credentials without a login', async () => {
    const aliceId = await getId(await idToken(alice));
    await expect(
      client.send(new GetCredentialsForIdentityCommand({ IdentityId: aliceId })),
    ).rejects.toMatchObject({
      name: 'NotAuthorizedException',
    });
  });
});

describe('GetOpenIdToken and DescribeIdentityPool', () => {
  it('issues an OpenID token for the verified identity', async () => {
    const token = await idToken(alice);
    const identityId = await getId(token);
    const result = await client.send(
      new GetOpenIdTokenCommand({ IdentityId: identityId, Logins: { [pool.providerName]: token } }),
    );
    expect(result.IdentityId).toBe(identityId);
    expect(decodeJwtPart(result.Token ?? '', 1)).toMatchObject({
      iss: 'https://cognito-identity.amazonaws.com',
      sub: identityId,
      aud: identityPool.id,
    });
  });

  it('refuses an OpenID token for a mismatched identity', async () => {
    const bobId = await getId(await idToken(bob));
    await expect(
      client.send(
        new GetOpenIdTokenCommand({
          IdentityId: bobId,
          Logins: { [pool.providerName]: await idToken(alice) },
        }),
      ),
    ).rejects.toMatchObject({ name: 'NotAuthorizedException' });
  });

  it('describes a pool, and answers an unknown one with ResourceNotFoundException', async () => {
    const described = await client.send(new DescribeIdentityPoolCommand({ IdentityPoolId: identityPool.id }));
    expect(described).toMatchObject({
      IdentityPoolId: identityPool.id,
      IdentityPoolName: identityPool.name,
      AllowUnauthenticatedIdentities: false,
      CognitoIdentityProviders: [{ ProviderName: pool.providerName, ClientId: pool.clientId }],
    });
    await expect(
      client.send(
        new DescribeIdentityPoolCommand({ IdentityPoolId: `${REGION}:00000000-0000-4000-8000-000000000000` }),
      ),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('answers operations it does not implement like an unknown operation', async () => {
    await expect(client.send(new ListIdentityPoolsCommand({ MaxResults: 10 }))).rejects.toMatchObject({
      name: 'UnknownOperationException',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('never logs tokens or credentials', () => {
    const joined = services.logs.join('\n');
    expect(joined).toContain('identity: GetCredentialsForIdentity 200');
    expect(joined).not.toMatch(/eyJ|ASIA|SessionToken/);
  });
});
