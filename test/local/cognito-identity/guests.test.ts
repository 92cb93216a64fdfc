/**
 * Guests of the local identity pool, driven by the AWS SDK v3 client as an app would: a pool that
 * allows unauthenticated identities gives a new guest identity per `GetId` without logins, and a
 * logins-less `GetOpenIdToken` or `GetCredentialsForIdentity` for a guest identity gets a token
 * (`amr` `["unauthenticated"]`) or credentials for the unauthenticated role. Everything else is
 * refused as Cognito refuses it: a pool without guest access, an unknown or forgotten identity, a
 * user's identity without its login, the authenticated role asked for by a guest, and too many new
 * guests at once. No user pool is involved, so no moto: users here come from a developer provider.
 */
import { randomBytes } from 'node:crypto';
import {
  CognitoIdentityClient,
  DescribeIdentityPoolCommand,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  GetOpenIdTokenCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
} from '@aws-sdk/client-cognito-identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IdentityService, startIdentityService } from '../../../local/cognito-identity/service';
import {
  type CredentialStore,
  createCredentialStore,
  type IdentityPool,
} from '../../../local/core/credential-store';
import { verifyOpenIdToken } from '../../../local/sts/web-identity-token';
import {
  buildAuthenticatedRolePolicy,
  buildUnauthenticatedRolePolicy,
} from '../../../shared/policy/access-policy';

const REGION = 'us-east-1';
const DEVELOPER = 'user-files.guests-test';
const DEVELOPER_KEYS = {
  accessKeyId: `AKIADEV${randomBytes(6).toString('hex').toUpperCase()}`,
  secretAccessKey: randomBytes(30).toString('base64'),
};
const GUEST_ROLE_ARN = 'arn:aws:iam::000000000000:role/guests-test-unauthenticated';
const UNKNOWN_ID = `${REGION}:00000000-0000-4000-8000-000000000000`;
const UUID_V4 = /^us-east-1:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const started: IdentityService[] = [];
const clients: CognitoIdentityClient[] = [];
let store: CredentialStore;
let service: IdentityService;
let guests: IdentityPool;
let closed: IdentityPool;
const logs: string[] = [];

function registerPool(into: CredentialStore, name: string, withGuests: boolean): IdentityPool {
  const bucketArn = 'arn:aws:s3:::guests-test';
  return into.createIdentityPool({
    name,
    region: REGION,
    providers: [],
    developerProviderName: DEVELOPER,
    authenticatedRole: {
      arn: `arn:aws:iam::000000000000:role/${name}-authenticated`,
      policy: buildAuthenticatedRolePolicy({ bucketArn }),
    },
    ...(withGuests
      ? {
          unauthenticatedRole: { arn: GUEST_ROLE_ARN, policy: buildUnauthenticatedRolePolicy({ bucketArn }) },
          allowUnauthenticatedIdentities: true,
        }
      : {}),
  });
}

async function start(
  options: Partial<Parameters<typeof startIdentityService>[0]> & { store: CredentialStore },
): Promise<IdentityService> {
  const identity = await startIdentityService({
    region: REGION,
    // Never reached: no pool here has a user-pool provider.
    userPoolEndpoint: 'http://127.0.0.1:9',
    developerCredentials: DEVELOPER_KEYS,
    ...options,
  });
  started.push(identity);
  return identity;
}

/** An app's client: these operations are unsigned, so it has no credentials at all. */
function anonymous(identity = service): CognitoIdentityClient {
  const client = new CognitoIdentityClient({ region: REGION, endpoint: identity.url, maxAttempts: 1 });
  clients.push(client);
  return client;
}

async function newGuest(pool = guests, identity = service): Promise<string> {
  const { IdentityId } = await anonymous(identity).send(new GetIdCommand({ IdentityPoolId: pool.id }));
  return IdentityId ?? '';
}

/** A user's identity, created as the API function creates it (a signed developer login). */
async function userIdentity(pool: IdentityPool): Promise<string> {
  const signed = new CognitoIdentityClient({
    region: REGION,
    endpoint: service.url,
    credentials: DEVELOPER_KEYS,
  });
  clients.push(signed);
  const { IdentityId } = await signed.send(
    new GetOpenIdTokenForDeveloperIdentityCommand({
      IdentityPoolId: pool.id,
      Logins: { [DEVELOPER]: `user-${randomBytes(4).toString('hex')}` },
    }),
  );
  return IdentityId ?? '';
}

beforeAll(async () => {
  store = createCredentialStore();
  guests = registerPool(store, 'guests_open', true);
  closed = registerPool(store, 'guests_closed', false);
  service = await start({ store, log: (line) => logs.push(line) });
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await Promise.all(started.map((identity) => identity.close()));
});

describe('GetId without logins', () => {
  it('gives a new random identity ID on every call, in a pool that allows guests', async () => {
    const [first, second] = await Promise.all([newGuest(), newGuest()]);
    expect(first).toMatch(UUID_V4);
    expect(second).toMatch(UUID_V4);
    expect(second).not.toBe(first);
  });

  it('is refused by a pool without guest access, with Cognito’s words, an empty Logins map too', async () => {
    const refusal = {
      name: 'NotAuthorizedException',
      message: 'Unauthenticated access is not supported for this identity pool.',
    };
    await expect(anonymous().send(new GetIdCommand({ IdentityPoolId: closed.id }))).rejects.toMatchObject(
      refusal,
    );
    await expect(
      anonymous().send(new GetIdCommand({ IdentityPoolId: closed.id, Logins: {} })),
    ).rejects.toMatchObject(refusal);
  });

  it('is throttled for all callers at once, then refills', async () => {
    let now = Date.UTC(2026, 0, 1);
    const own = createCredentialStore();
    const pool = registerPool(own, 'guests_throttled', true);
    const identity = await start({
      store: own,
      now: () => now,
      guestIdentityLimit: { perSecond: 1, burst: 2 },
    });
    await newGuest(pool, identity);
    await newGuest(pool, identity);
    // Another client is the same anyone: one bucket for every caller.
    await expect(
      anonymous(identity).send(new GetIdCommand({ IdentityPoolId: pool.id })),
    ).rejects.toMatchObject({ name: 'TooManyRequestsException', $metadata: { httpStatusCode: 400 } });
    now += 1_000;
    expect(await newGuest(pool, identity)).toMatch(UUID_V4);
  });

  it('is reported by DescribeIdentityPool as each pool is configured', async () => {
    const signed = new CognitoIdentityClient({
      region: REGION,
      endpoint: service.url,
      credentials: DEVELOPER_KEYS,
    });
    clients.push(signed);
    const open = await signed.send(new DescribeIdentityPoolCommand({ IdentityPoolId: guests.id }));
    const shut = await signed.send(new DescribeIdentityPoolCommand({ IdentityPoolId: closed.id }));
    expect(open.AllowUnauthenticatedIdentities).toBe(true);
    expect(shut.AllowUnauthenticatedIdentities).toBe(false);
  });
});

describe('a guest identity without logins', () => {
  it('gets an OpenID token of the pool whose amr is ["unauthenticated"], signed by the service', async () => {
    const identityId = await newGuest();
    const { IdentityId, Token } = await anonymous().send(
      new GetOpenIdTokenCommand({ IdentityId: identityId }),
    );
    expect(IdentityId).toBe(identityId);
    const claims = verifyOpenIdToken(Token ?? '', service.openIdKey, Math.floor(Date.now() / 1000));
    expect(claims).toEqual({ sub: identityId, aud: guests.id, amr: ['unauthenticated'], principalTags: {} });
  });

  it('gets credentials for the unauthenticated role, bound to that identity', async () => {
    const identityId = await newGuest();
    const { Credentials } = await anonymous().send(
      new GetCredentialsForIdentityCommand({ IdentityId: identityId }),
    );
    expect(Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(store.findCredentials(Credentials?.AccessKeyId ?? '')).toMatchObject({
      identityId,
      identityPoolId: guests.id,
      roleArn: GUEST_ROLE_ARN,
      amr: ['unauthenticated'],
    });
  });

  it('may name the unauthenticated role as CustomRoleArn, never the authenticated one', async () => {
    const identityId = await newGuest();
    const ask = (CustomRoleArn: string) =>
      anonymous().send(new GetCredentialsForIdentityCommand({ IdentityId: identityId, CustomRoleArn }));
    await expect(ask(GUEST_ROLE_ARN)).resolves.toMatchObject({ IdentityId: identityId });
    await expect(ask(guests.authenticatedRole.arn)).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
  });
});

describe('logins-less calls for any other identity', () => {
  const calls = (identityId: string) => [
    anonymous().send(new GetCredentialsForIdentityCommand({ IdentityId: identityId })),
    anonymous().send(new GetOpenIdTokenCommand({ IdentityId: identityId })),
  ];

  it('answer an unknown identity ID "not found"', async () => {
    for (const call of calls(UNKNOWN_ID)) {
      await expect(call).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
        message: `Identity '${UNKNOWN_ID}' not found.`,
      });
    }
  });

  it("refuse a user's identity: forbidden without its login, and no guest access in a pool without it", async () => {
    const user = await userIdentity(guests);
    for (const call of calls(user)) {
      await expect(call).rejects.toMatchObject({
        name: 'NotAuthorizedException',
        message: `Access to Identity '${user}' is forbidden.`,
      });
    }
    const closedUser = await userIdentity(closed);
    for (const call of calls(closedUser)) {
      await expect(call).rejects.toMatchObject({
        name: 'NotAuthorizedException',
        message: 'Unauthenticated access is not supported for this identity pool.',
      });
    }
  });

  it('answer a guest identity the store has forgotten "not found", as any unknown one', async () => {
    const own = createCredentialStore({ maxIdentities: 2 });
    const pool = registerPool(own, 'guests_forgetful', true);
    const identity = await start({ store: own });
    const oldest = await newGuest(pool, identity);
    const kept = await Promise.all([newGuest(pool, identity), newGuest(pool, identity)]);
    const ask = (IdentityId: string) =>
      anonymous(identity).send(new GetCredentialsForIdentityCommand({ IdentityId }));
    await expect(ask(oldest)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    for (const id of kept) await expect(ask(id)).resolves.toMatchObject({ IdentityId: id });
  });

  it('never log tokens or credentials', () => {
    const joined = logs.join('\n');
    expect(joined).toContain('identity: GetCredentialsForIdentity 200');
    expect(joined).not.toMatch(/eyJ|ASIA|SessionToken/);
  });
});
