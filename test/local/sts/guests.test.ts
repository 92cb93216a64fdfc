/**
 * The local STS with an identity pool's two roles: a guest's OpenID token (`amr`
 * `["unauthenticated"]`) assumes the unauthenticated role and a user's the authenticated one, each
 * session bounded by its own role's maximum. The other pairings are refused, and it is the trust
 * policy that refuses them: a pool whose authenticated role trusts any token of the pool (no `amr`
 * condition, a mutation) lets the guest token in, with the authenticated role's credentials.
 * Tokens come from the identity service, as the API function gets them; no moto is involved.
 */
import { randomBytes } from 'node:crypto';
import {
  CognitoIdentityClient,
  GetIdCommand,
  GetOpenIdTokenCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
} from '@aws-sdk/client-cognito-identity';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IdentityService, startIdentityService } from '../../../local/cognito-identity/service';
import {
  type CreateIdentityPoolInput,
  createCredentialStore,
  type IdentityPool,
  type PoolRole,
} from '../../../local/core/credential-store';
import { type StsService, startStsService } from '../../../local/sts/service';
import {
  buildAuthenticatedRolePolicy,
  buildUnauthenticatedRolePolicy,
  COGNITO_IDENTITY_PRINCIPAL,
  type ConditionBlock,
  roleTrustConditions,
} from '../../../shared/policy/access-policy';

const REGION = 'us-east-1';
const DEVELOPER = 'user-files.sts-guests';
const DEVELOPER_KEYS = {
  accessKeyId: `AKIADEV${randomBytes(6).toString('hex').toUpperCase()}`,
  secretAccessKey: randomBytes(30).toString('base64'),
};
const USER_MAX_SECONDS = 7_200;
const GUEST_MAX_SECONDS = 3_600;

const store = createCredentialStore();
let identity: IdentityService;
let sts: StsService;
let anonymous: CognitoIdentityClient;
let developer: CognitoIdentityClient;
let stsClient: STSClient;
let pool: IdentityPool;
let mutated: IdentityPool;

function role(name: string, maxSessionDurationSeconds: number, conditions: ConditionBlock): PoolRole {
  return {
    arn: `arn:aws:iam::000000000000:role/${name}`,
    policy: buildAuthenticatedRolePolicy({ bucketArn: 'arn:aws:s3:::sts-guests' }),
    trustPolicy: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: COGNITO_IDENTITY_PRINCIPAL },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: conditions,
        },
      ],
    },
    maxSessionDurationSeconds,
  };
}

/**
 * A pool with both roles, trusted as the stack trusts them; `trustAnyToken` drops the
 * authenticated role's `amr` condition (aud only), the mutation the refusal must depend on.
 */
function registerPool(name: string, trustAnyToken = false): IdentityPool {
  const id = `${REGION}:${crypto.randomUUID()}`;
  const authenticated = trustAnyToken
    ? { StringEquals: { [`${COGNITO_IDENTITY_PRINCIPAL}:aud`]: id } }
    : roleTrustConditions(id, 'authenticated');
  const input: CreateIdentityPoolInput = {
    id,
    name,
    region: REGION,
    providers: [],
    developerProviderName: DEVELOPER,
    authenticatedRole: role(`${name}-authenticated`, USER_MAX_SECONDS, authenticated),
    unauthenticatedRole: {
      ...role(`${name}-unauthenticated`, GUEST_MAX_SECONDS, roleTrustConditions(id, 'unauthenticated')),
      policy: buildUnauthenticatedRolePolicy({ bucketArn: 'arn:aws:s3:::sts-guests' }),
    },
    allowUnauthenticatedIdentities: true,
  };
  return store.createIdentityPool(input);
}

beforeAll(async () => {
  pool = registerPool('sts_guests');
  mutated = registerPool('sts_guests_mutated', true);
  identity = await startIdentityService({
    store,
    region: REGION,
    userPoolEndpoint: 'http://127.0.0.1:9',
    developerCredentials: DEVELOPER_KEYS,
  });
  sts = await startStsService({ store, openIdKey: identity.openIdKey });
  anonymous = new CognitoIdentityClient({ region: REGION, endpoint: identity.url });
  developer = new CognitoIdentityClient({
    region: REGION,
    endpoint: identity.url,
    credentials: DEVELOPER_KEYS,
  });
  stsClient = new STSClient({ region: REGION, endpoint: sts.url });
});

afterAll(async () => {
  anonymous?.destroy();
  developer?.destroy();
  stsClient?.destroy();
  await Promise.all([identity?.close(), sts?.close()]);
});

/** The classic flow a guest session takes: GetId, then GetOpenIdToken, both without logins. */
async function guestToken(of = pool): Promise<{ identityId: string; token: string }> {
  const { IdentityId } = await anonymous.send(new GetIdCommand({ IdentityPoolId: of.id }));
  const { Token } = await anonymous.send(new GetOpenIdTokenCommand({ IdentityId: IdentityId }));
  return { identityId: IdentityId ?? '', token: Token ?? '' };
}

async function userToken(of = pool): Promise<string> {
  const { Token } = await developer.send(
    new GetOpenIdTokenForDeveloperIdentityCommand({
      IdentityPoolId: of.id,
      Logins: { [DEVELOPER]: 'someone' },
    }),
  );
  return Token ?? '';
}

const assume = (token: string, roleArn: string, DurationSeconds = 3_600) =>
  stsClient.send(
    new AssumeRoleWithWebIdentityCommand({
      RoleArn: roleArn,
      RoleSessionName: 'guest-test',
      WebIdentityToken: token,
      DurationSeconds,
    }),
  );

const ACCESS_DENIED = { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } };

describe('a guest token', () => {
  it('assumes the unauthenticated role: credentials for that role, bound to the guest identity', async () => {
    const { identityId, token } = await guestToken();
    const guestRole = pool.unauthenticatedRole?.arn ?? '';
    const output = await assume(token, guestRole);
    expect(output.SubjectFromWebIdentityToken).toBe(identityId);
    expect(output.AssumedRoleUser?.Arn).toMatch(/:assumed-role\/sts_guests-unauthenticated\/guest-test$/);
    expect(store.findCredentials(output.Credentials?.AccessKeyId ?? '')).toMatchObject({
      identityId,
      roleArn: guestRole,
      amr: ['unauthenticated'],
    });
  });

  it("is refused the authenticated role, because that role's trust policy requires amr authenticated", async () => {
    const { token } = await guestToken();
    await expect(assume(token, pool.authenticatedRole.arn)).rejects.toMatchObject(ACCESS_DENIED);
  });

  it('is let in by a trust policy without the amr condition (the mutation), with the authenticated role', async () => {
    const { token } = await guestToken(mutated);
    const output = await assume(token, mutated.authenticatedRole.arn);
    expect(store.findCredentials(output.Credentials?.AccessKeyId ?? '')).toMatchObject({
      roleArn: mutated.authenticatedRole.arn,
      amr: ['unauthenticated'],
    });
  });

  it("is bounded by the unauthenticated role's own maximum session", async () => {
    const { token } = await guestToken();
    await expect(
      assume(token, pool.unauthenticatedRole?.arn ?? '', GUEST_MAX_SECONDS + 1),
    ).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    });
  });

  it("is refused another pool's unauthenticated role (its trust names its own pool)", async () => {
    const { token } = await guestToken(mutated);
    await expect(assume(token, pool.unauthenticatedRole?.arn ?? '')).rejects.toMatchObject(ACCESS_DENIED);
  });
});

describe("a user's token", () => {
  it('assumes the authenticated role, up to its own (longer) maximum', async () => {
    const output = await assume(await userToken(), pool.authenticatedRole.arn, USER_MAX_SECONDS);
    expect(store.findCredentials(output.Credentials?.AccessKeyId ?? '')?.roleArn).toBe(
      pool.authenticatedRole.arn,
    );
  });

  it('is refused the unauthenticated role, by its trust policy', async () => {
    await expect(assume(await userToken(), pool.unauthenticatedRole?.arn ?? '')).rejects.toMatchObject(
      ACCESS_DENIED,
    );
  });
});
