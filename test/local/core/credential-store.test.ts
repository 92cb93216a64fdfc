import { describe, expect, it } from 'vitest';
import {
  CredentialStoreFullError,
  cognitoProviderName,
  createCredentialStore,
  parseProviderName,
  safeEqual,
  uuidV5,
} from '../../../local/core/credential-store';
import { IDENTITY_ID_PATTERN } from '../../../shared/domain/keys';
import {
  buildAuthenticatedRolePolicy,
  buildUnauthenticatedRolePolicy,
} from '../../../shared/policy/access-policy';

const PROVIDER = cognitoProviderName('us-east-1', 'us-east-1_AbC123');
const POOL_ID = 'us-east-1:5d9c1bd0-8f4e-4b43-9b43-8d1b6f0e2a11';

function poolInput(overrides: Record<string, unknown> = {}) {
  return {
    name: 'user_files',
    id: POOL_ID,
    providers: [{ providerName: PROVIDER, clientId: 'client-1' }],
    authenticatedRole: {
      arn: 'arn:aws:iam::000000000000:role/authenticated',
      policy: buildAuthenticatedRolePolicy({ bucketArn: 'arn:aws:s3:::bucket' }),
    },
    ...overrides,
  };
}

const GUEST_ROLE = {
  arn: 'arn:aws:iam::000000000000:role/unauthenticated',
  policy: buildUnauthenticatedRolePolicy({ bucketArn: 'arn:aws:s3:::bucket' }),
};

/** A pool with guest access: the unauthenticated role, and unauthenticated identities allowed. */
function guestPoolInput(overrides: Record<string, unknown> = {}) {
  return poolInput({ unauthenticatedRole: GUEST_ROLE, allowUnauthenticatedIdentities: true, ...overrides });
}

describe('identity IDs', () => {
  it('are RFC 4122 version-5 UUIDs (known test vector)', () => {
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('are stable for a user across stores (restarts) and distinct per user, provider and pool', () => {
    const first = createCredentialStore();
    const second = createCredentialStore();
    const pool = first.createIdentityPool(poolInput());
    const samePoolAfterRestart = second.createIdentityPool(poolInput());
    const otherPool = first.createIdentityPool(
      poolInput({ id: 'us-east-1:0a1b2c3d-0000-4000-8000-000000000001' }),
    );
    const id = first.identityIdFor(pool, PROVIDER, 'sub-1');
    expect(id).toMatch(IDENTITY_ID_PATTERN);
    expect(second.identityIdFor(samePoolAfterRestart, PROVIDER, 'sub-1')).toBe(id);
    expect(first.identityIdFor(pool, PROVIDER, 'sub-2')).not.toBe(id);
    expect(first.identityIdFor(pool, cognitoProviderName('us-east-1', 'us-east-1_Other'), 'sub-1')).not.toBe(
      id,
    );
    expect(first.identityIdFor(otherPool, PROVIDER, 'sub-1')).not.toBe(id);
  });
});

describe('identity pools', () => {
  it('parses provider names', () => {
    expect(parseProviderName(PROVIDER)).toEqual({ region: 'us-east-1', userPoolId: 'us-east-1_AbC123' });
    expect(parseProviderName('accounts.google.com')).toBeUndefined();
    expect(parseProviderName('cognito-idp.us-east-1.amazonaws.com/eu-west-1_AbC123')).toBeUndefined();
  });

  it('refuses malformed definitions', () => {
    const store = createCredentialStore();
    expect(() => store.createIdentityPool(poolInput({ id: 'not-an-id' }))).toThrow(TypeError);
    expect(() => store.createIdentityPool(poolInput({ name: 'bad/name' }))).toThrow(TypeError);
    expect(() => store.createIdentityPool(poolInput({ providers: [] }))).toThrow(TypeError);
    expect(() =>
      store.createIdentityPool(
        poolInput({ providers: [{ providerName: 'accounts.google.com', clientId: 'x' }] }),
      ),
    ).toThrow(TypeError);
    store.createIdentityPool(poolInput());
    expect(() => store.createIdentityPool(poolInput())).toThrow(/already exists/);
  });

  it('keeps its own copy of the role policy', () => {
    const store = createCredentialStore();
    const input = poolInput();
    const pool = store.createIdentityPool(input);
    (input.authenticatedRole.policy.Statement as unknown[]).length = 0;
    expect(pool.authenticatedRole.policy.Statement.length).toBeGreaterThan(0);
  });

  it('generates a pool ID in the region when none is given', () => {
    const pool = createCredentialStore().createIdentityPool(
      poolInput({ id: undefined, region: 'eu-west-1' }),
    );
    expect(pool.id).toMatch(/^eu-west-1:[0-9a-f-]{36}$/);
  });
});

describe('temporary credentials', () => {
  it('are looked up by access key, carry the role and expire on time', () => {
    let now = Date.UTC(2026, 0, 1, 12, 0, 0);
    const store = createCredentialStore({ now: () => now, expiredRetentionSeconds: 60 });
    const pool = store.createIdentityPool(poolInput());
    const identityId = store.identityIdFor(pool, PROVIDER, 'sub-1');
    const issued = store.issueCredentials({
      identityId,
      identityPoolId: pool.id,
      amr: ['authenticated'],
      lifetimeSeconds: 900,
    });
    expect(issued.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(issued.expiration.getTime() - now).toBe(900_000);
    // Rounded up to whole seconds: never shorter than asked.
    now += 1;
    const rounded = store.issueCredentials({
      identityId,
      identityPoolId: pool.id,
      amr: [],
      lifetimeSeconds: 1,
    });
    expect(rounded.expiration.getTime() - now).toBe(1999);
    now -= 1;
    expect(store.findCredentials(issued.accessKeyId)).toBe(issued);
    expect(store.policyFor(issued)).toEqual(pool.authenticatedRole.policy);
    expect(() => store.issueCredentials({ identityId, identityPoolId: 'us-east-1:nope', amr: [] })).toThrow(
      TypeError,
    );

    // Kept a while after expiry (so S3 can say ExpiredToken), then forgotten.
    now += 900_000 + 120_000 + 60_000;
    store.issueCredentials({ identityId, identityPoolId: pool.id, amr: [] });
    expect(store.findCredentials(issued.accessKeyId)).toBeUndefined();
  });

  it("never evicts another identity's live credentials for one identity's flood", () => {
    const store = createCredentialStore({ maxCredentials: 100, maxLivePerIdentity: 10 });
    const pool = store.createIdentityPool(poolInput());
    const alice = store.identityIdFor(pool, PROVIDER, 'alice');
    const bob = store.identityIdFor(pool, PROVIDER, 'bob');
    const issue = (identityId: string) =>
      store.issueCredentials({ identityId, identityPoolId: pool.id, amr: ['authenticated'] }).accessKeyId;
    const bobsKey = issue(bob);
    const flood = Array.from({ length: 1_000 }, () => issue(alice));
    expect(store.findCredentials(bobsKey)?.identityId).toBe(bob);
    // The flood only ever cost alice her own oldest sets.
    const kept = flood.filter((key) => store.findCredentials(key));
    expect(kept).toEqual(flood.slice(-10));
  });

  it('refuses new issuance when full of live credentials, and makes room from expired ones', () => {
    let now = Date.UTC(2026, 0, 1, 12, 0, 0);
    const store = createCredentialStore({ now: () => now, maxCredentials: 3, maxLivePerIdentity: 3 });
    const pool = store.createIdentityPool(poolInput());
    const issue = (sub: string, lifetimeSeconds = 60) =>
      store.issueCredentials({
        identityId: store.identityIdFor(pool, PROVIDER, sub),
        identityPoolId: pool.id,
        amr: [],
        lifetimeSeconds,
      }).accessKeyId;
    const live = [issue('a'), issue('b'), issue('c', 3600)];
    expect(() => issue('d')).toThrow(CredentialStoreFullError);
    for (const key of live) expect(store.findCredentials(key)).toBeDefined();

    now += 61_000;
    const fresh = issue('d');
    expect(store.findCredentials(fresh)).toBeDefined();
    // An expired set made room; the live one of `c` is still there.
    expect(store.findCredentials(live[2] ?? '')).toBeDefined();
    expect(live.slice(0, 2).filter((key) => store.findCredentials(key))).toHaveLength(1);
  });

  it('compares session tokens in constant time, exactly', () => {
    expect(safeEqual('token', 'token')).toBe(true);
    expect(safeEqual('token', 'token ')).toBe(false);
    expect(safeEqual('', 'x')).toBe(false);
  });
});

describe('the unauthenticated role', () => {
  it("binds a guest session's credentials to it and a user's to the authenticated role", () => {
    const store = createCredentialStore();
    const pool = store.createIdentityPool(guestPoolInput());
    const guestId = store.createUnauthenticatedIdentity(pool.id);
    const guest = store.issueCredentials({
      identityId: guestId,
      identityPoolId: pool.id,
      amr: ['unauthenticated'],
    });
    expect(guest.roleArn).toBe(GUEST_ROLE.arn);
    expect(store.policyFor(guest)).toEqual(GUEST_ROLE.policy);
    const userId = store.identityIdFor(pool, PROVIDER, 'sub-1');
    const user = store.issueCredentials({
      identityId: userId,
      identityPoolId: pool.id,
      amr: ['authenticated'],
    });
    expect(user.roleArn).toBe(pool.authenticatedRole.arn);
    expect(store.policyFor(user)).toEqual(pool.authenticatedRole.policy);
  });

  it('binds to the role named (as STS does once a trust policy admitted the token), if it is one of the pool', () => {
    const store = createCredentialStore();
    const pool = store.createIdentityPool(guestPoolInput());
    const identityId = store.createUnauthenticatedIdentity(pool.id);
    const named = store.issueCredentials({
      identityId,
      identityPoolId: pool.id,
      amr: ['unauthenticated'],
      roleArn: pool.authenticatedRole.arn,
    });
    expect(named.roleArn).toBe(pool.authenticatedRole.arn);
    expect(() =>
      store.issueCredentials({
        identityId,
        identityPoolId: pool.id,
        amr: ['unauthenticated'],
        roleArn: 'arn:aws:iam::000000000000:role/elsewhere',
      }),
    ).toThrow(/not a role of identity pool/);
  });

  it('refuses a guest session in a pool that has no unauthenticated role', () => {
    const store = createCredentialStore();
    const pool = store.createIdentityPool(poolInput());
    expect(pool.allowUnauthenticatedIdentities).toBe(false);
    expect(() =>
      store.issueCredentials({
        identityId: `${POOL_ID.split(':')[0]}:x`,
        identityPoolId: pool.id,
        amr: ['unauthenticated'],
      }),
    ).toThrow(/no unauthenticated role/);
    expect(() => store.createUnauthenticatedIdentity(pool.id)).toThrow(/does not allow unauthenticated/);
  });

  it('refuses a pool allowing guests without the role, or with the authenticated role as theirs', () => {
    const store = createCredentialStore();
    expect(() => store.createIdentityPool(poolInput({ allowUnauthenticatedIdentities: true }))).toThrow(
      /needs an unauthenticated role/,
    );
    expect(() =>
      store.createIdentityPool(
        guestPoolInput({
          unauthenticatedRole: { ...GUEST_ROLE, arn: 'arn:aws:iam::000000000000:role/authenticated' },
        }),
      ),
    ).toThrow(/another role/);
  });

  it("keeps a guest role policy of its own, out of the caller's reach", () => {
    const store = createCredentialStore();
    const role = structuredClone(GUEST_ROLE);
    const pool = store.createIdentityPool(guestPoolInput({ unauthenticatedRole: role }));
    (role.policy.Statement as unknown[]).length = 0;
    expect(pool.unauthenticatedRole?.policy.Statement.length).toBeGreaterThan(0);
  });
});

describe('guest identities', () => {
  it('are new random IDs of the pool’s region on every creation, known as unauthenticated', () => {
    const store = createCredentialStore();
    const pool = store.createIdentityPool(guestPoolInput());
    const first = store.createUnauthenticatedIdentity(pool.id);
    const second = store.createUnauthenticatedIdentity(pool.id);
    expect(first).toMatch(/^us-east-1:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(first).toMatch(IDENTITY_ID_PATTERN);
    expect(second).not.toBe(first);
    expect(store.findIdentity(first)).toEqual({ pool, kind: 'unauthenticated' });
    expect(store.findIdentity('us-east-1:00000000-0000-4000-8000-000000000000')).toBeUndefined();
  });

  it("tells a recorded user's identity apart from a guest's", () => {
    const store = createCredentialStore();
    const pool = store.createIdentityPool(guestPoolInput());
    const userId = store.identityIdFor(pool, PROVIDER, 'sub-1');
    expect(store.findIdentity(userId)).toBeUndefined();
    store.recordAuthenticatedIdentity(pool.id, userId);
    expect(store.findIdentity(userId)).toEqual({ pool, kind: 'authenticated' });
    expect(() => store.recordAuthenticatedIdentity('us-east-1:nope', userId)).toThrow(TypeError);
  });

  it('are remembered up to a bound, the oldest forgotten first, and a forgotten one is unknown', () => {
    const store = createCredentialStore({ maxIdentities: 3 });
    const pool = store.createIdentityPool(guestPoolInput());
    const userId = store.identityIdFor(pool, PROVIDER, 'sub-1');
    store.recordAuthenticatedIdentity(pool.id, userId);
    const ids = Array.from({ length: 5 }, () => store.createUnauthenticatedIdentity(pool.id));
    expect(ids.map((id) => store.findIdentity(id)?.kind)).toEqual([
      undefined,
      undefined,
      'unauthenticated',
      'unauthenticated',
      'unauthenticated',
    ]);
    // A guest flood does not make users' identities unknown: they are counted apart.
    expect(store.findIdentity(userId)?.kind).toBe('authenticated');
  });

  it("may hold only their share of the credential store, so users' issuance goes on", () => {
    let now = Date.UTC(2026, 0, 1);
    const store = createCredentialStore({ now: () => now, maxCredentials: 10, maxGuestCredentials: 3 });
    const pool = store.createIdentityPool(guestPoolInput());
    const guest = () =>
      store.issueCredentials({
        identityId: store.createUnauthenticatedIdentity(pool.id),
        identityPoolId: pool.id,
        amr: ['unauthenticated'],
        lifetimeSeconds: 60,
      });
    for (let n = 0; n < 3; n += 1) guest();
    expect(guest).toThrow(CredentialStoreFullError);
    const user = store.issueCredentials({
      identityId: store.identityIdFor(pool, PROVIDER, 'sub-1'),
      identityPoolId: pool.id,
      amr: ['authenticated'],
    });
    expect(store.findCredentials(user.accessKeyId)).toBeDefined();
    // Expired guest sets make room for new guests.
    now += 61_000;
    expect(guest().roleArn).toBe(GUEST_ROLE.arn);
  });
});
