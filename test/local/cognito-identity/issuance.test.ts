/**
 * Bounds on credential issuance by the local identity pool: one user minting credentials as fast as
 * they can is throttled per identity (TooManyRequestsException, as Cognito answers), and a store
 * full of live credentials refuses new ones the same way, so no other user's live credentials are
 * ever dropped to make room.
 */
import {
  CognitoIdentityClient,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
} from '@aws-sdk/client-cognito-identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IdentityService, startIdentityService } from '../../../local/cognito-identity/service';
import {
  type CredentialStore,
  createCredentialStore,
  type IdentityPool,
} from '../../../local/core/credential-store';
import {
  ADMIN_CREDENTIALS,
  createUser,
  createUserPool,
  type LocalServices,
  REGION,
  registerIdentityPool,
  signIn,
  startLocalServices,
  type TestUser,
  type UserPool,
} from '../support';

let services: LocalServices;
let pool: UserPool;
let alice: TestUser;
let bob: TestUser;
const started: Array<{ close(): Promise<void> }> = [];
let now = Date.UTC(2026, 0, 1);

beforeAll(async () => {
  services = await startLocalServices();
  pool = await createUserPool(services.userPool.url, 'issuance-test');
  [alice, bob] = await Promise.all([
    createUser(services.userPool.url, pool, 'alice'),
    createUser(services.userPool.url, pool, 'bob'),
  ]);
});

afterAll(async () => {
  await Promise.all(started.map((service) => service.close()));
  await services?.close();
});

async function service(
  store: CredentialStore,
): Promise<{ identity: IdentityService; identityPool: IdentityPool }> {
  const identityPool = registerIdentityPool(store, pool, 'issuance-bucket');
  const identity = await startIdentityService({
    store,
    region: REGION,
    userPoolEndpoint: services.userPool.url,
    issuanceLimit: { perSecond: 1, burst: 3 },
    now: () => now,
  });
  started.push(identity);
  return { identity, identityPool };
}

/** A user's `GetCredentialsForIdentity`, as any SDK sends it (no retries: a refusal is the answer). */
async function minter(url: string, identityPool: IdentityPool, user: TestUser) {
  const { idToken } = await signIn(services.userPool.url, pool, user);
  const client = new CognitoIdentityClient({
    region: REGION,
    endpoint: url,
    credentials: ADMIN_CREDENTIALS,
    maxAttempts: 1,
  });
  const logins = { [pool.providerName]: idToken };
  const { IdentityId } = await client.send(
    new GetIdCommand({ IdentityPoolId: identityPool.id, Logins: logins }),
  );
  return {
    client,
    mint: async () =>
      (await client.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: logins }))).Credentials
        ?.AccessKeyId ?? '',
  };
}

describe('GetCredentialsForIdentity issuance bounds', () => {
  it("throttles one identity's flood, leaving other users' issuance and credentials alone", async () => {
    const store = createCredentialStore({ now: () => now });
    const { identity, identityPool } = await service(store);
    const [mallory, victim] = await Promise.all([
      minter(identity.url, identityPool, alice),
      minter(identity.url, identityPool, bob),
    ]);
    try {
      const victimsKey = await victim.mint();
      for (let n = 0; n < 3; n += 1) expect(await mallory.mint()).toMatch(/^ASIA/);
      for (let n = 0; n < 20; n += 1) {
        await expect(mallory.mint()).rejects.toMatchObject({ name: 'TooManyRequestsException' });
      }
      expect(store.findCredentials(victimsKey)).toBeDefined();
      expect(await victim.mint()).toMatch(/^ASIA/);
      // The bucket refills: one more per second.
      now += 1_000;
      expect(await mallory.mint()).toMatch(/^ASIA/);
      await expect(mallory.mint()).rejects.toMatchObject({ name: 'TooManyRequestsException' });
    } finally {
      mallory.client.destroy();
      victim.client.destroy();
    }
  });

  it('answers TooManyRequestsException when the store is full of live credentials, evicting none', async () => {
    const store = createCredentialStore({ now: () => now, maxCredentials: 2 });
    const { identity, identityPool } = await service(store);
    const [first, second] = await Promise.all([
      minter(identity.url, identityPool, alice),
      minter(identity.url, identityPool, bob),
    ]);
    try {
      now += 60_000;
      const keys = [await first.mint(), await second.mint()];
      await expect(first.mint()).rejects.toMatchObject({ name: 'TooManyRequestsException' });
      for (const key of keys) expect(store.findCredentials(key)).toBeDefined();
    } finally {
      first.client.destroy();
      second.client.destroy();
    }
  });
});
