/**
 * Session tags at the local STS: an OpenID token with principal tags asks for a tagged session, so
 * the role's trust must allow `sts:TagSession` too, judged by the engine with the request's
 * `aws:RequestTag/<key>` and `aws:TagKeys`. Without that allowance the token is refused
 * (`AccessDenied`); the same token is accepted by the same pool whose trust allows it, and its
 * session carries the tags, which is what S3 reads: without them the same identity's group read is
 * refused. A tags claim cannot be altered (the signature fails) nor malformed. No moto: tokens come
 * from the identity service's developer operation, as the function gets them.
 */
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import {
  CognitoIdentityClient,
  GetOpenIdTokenForDeveloperIdentityCommand,
} from '@aws-sdk/client-cognito-identity';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IdentityService, startIdentityService } from '../../../local/cognito-identity/service';
import {
  type CredentialStore,
  createCredentialStore,
  type IdentityPool,
  type IssuedCredentials,
  type TrustPolicyDocument,
} from '../../../local/core/credential-store';
import { authorize, sessionConditions } from '../../../local/s3/authorize';
import { type StsService, startStsService } from '../../../local/sts/service';
import { verifyOpenIdToken } from '../../../local/sts/web-identity-token';
import {
  AUTHENTICATED_TRUST_ACTIONS,
  buildAuthenticatedRolePolicy,
  COGNITO_IDENTITY_PRINCIPAL,
  type ConditionBlock,
  roleTrustConditions,
} from '../../../shared/policy/access-policy';
import { signJwt } from '../support';

const REGION = 'us-east-1';
const DEVELOPER = 'user-files.session-tags';
const DEVELOPER_KEYS = {
  accessKeyId: `AKIADEV${randomBytes(6).toString('hex').toUpperCase()}`,
  secretAccessKey: randomBytes(30).toString('base64'),
};
const BUCKET_ARN = 'arn:aws:s3:::session-tags';
const DESIGN = { group0: 'design' };

/** The store the identity service issues from, and STS `refusing` judges with. */
const store = createCredentialStore();
/** The same pools but where STS `allowing` finds the first one trusting sts:TagSession. */
const allowingStore = createCredentialStore();
let identity: IdentityService;
let refusing: StsService;
let allowing: StsService;
let developer: CognitoIdentityClient;
const clients: STSClient[] = [];
/** The stack's trust before this change: the assume-role alone. */
let untagging: IdentityPool;
let byTagKeys: IdentityPool;
let byRequestTag: IdentityPool;
let denying: IdentityPool;

function trust(poolId: string, action: string | string[], extra: TrustPolicyDocument['Statement'] = []) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: COGNITO_IDENTITY_PRINCIPAL },
        Action: action,
        Condition: roleTrustConditions(poolId, 'authenticated'),
      },
      ...extra,
    ],
  } satisfies TrustPolicyDocument;
}

/** A statement on sts:TagSession for this pool's tokens, with more conditions. */
function tagSession(poolId: string, effect: 'Allow' | 'Deny', conditions: ConditionBlock = {}) {
  return {
    Effect: effect,
    Principal: { Federated: COGNITO_IDENTITY_PRINCIPAL },
    Action: 'sts:TagSession',
    Condition: { ...roleTrustConditions(poolId, 'authenticated'), ...conditions },
  };
}

function register(into: CredentialStore, name: string, id: string, trustPolicy: TrustPolicyDocument) {
  return into.createIdentityPool({
    id,
    name,
    region: REGION,
    providers: [],
    developerProviderName: DEVELOPER,
    authenticatedRole: {
      arn: `arn:aws:iam::000000000000:role/${name}-authenticated`,
      policy: buildAuthenticatedRolePolicy({ bucketArn: BUCKET_ARN }),
      trustPolicy,
      maxSessionDurationSeconds: 3600,
    },
  });
}

/** Registers a pool under a fresh ID whose trust `build` writes for that ID. */
function pool(name: string, build: (id: string) => TrustPolicyDocument): IdentityPool {
  const id = `${REGION}:${randomUUID()}`;
  return register(store, name, id, build(id));
}

beforeAll(async () => {
  untagging = pool('untagging', (id) => trust(id, 'sts:AssumeRoleWithWebIdentity'));
  // One pool, two trusts: the stack's trust now, for STS `allowing`.
  register(allowingStore, 'untagging', untagging.id, trust(untagging.id, [...AUTHENTICATED_TRUST_ACTIONS]));
  byTagKeys = pool('by_tag_keys', (id) =>
    trust(id, 'sts:AssumeRoleWithWebIdentity', [
      tagSession(id, 'Allow', { 'ForAllValues:StringLike': { 'aws:TagKeys': 'group*' } }),
    ]),
  );
  byRequestTag = pool('by_request_tag', (id) =>
    trust(id, 'sts:AssumeRoleWithWebIdentity', [
      tagSession(id, 'Allow', { StringEquals: { 'aws:RequestTag/group0': 'design' } }),
    ]),
  );
  denying = pool('denying', (id) => trust(id, [...AUTHENTICATED_TRUST_ACTIONS], [tagSession(id, 'Deny')]));
  identity = await startIdentityService({
    store,
    region: REGION,
    userPoolEndpoint: 'http://127.0.0.1:9',
    developerCredentials: DEVELOPER_KEYS,
  });
  [refusing, allowing] = await Promise.all([
    startStsService({ store, openIdKey: identity.openIdKey }),
    startStsService({ store: allowingStore, openIdKey: identity.openIdKey }),
  ]);
  developer = new CognitoIdentityClient({
    region: REGION,
    endpoint: identity.url,
    credentials: DEVELOPER_KEYS,
  });
});

afterAll(async () => {
  developer?.destroy();
  for (const client of clients) client.destroy();
  await Promise.all([identity?.close(), refusing?.close(), allowing?.close()]);
});

async function tokenOf(of: IdentityPool, PrincipalTags?: Record<string, string>, user = 'pool:member') {
  const { Token, IdentityId } = await developer.send(
    new GetOpenIdTokenForDeveloperIdentityCommand({
      IdentityPoolId: of.id,
      Logins: { [DEVELOPER]: user },
      ...(PrincipalTags ? { PrincipalTags } : {}),
    }),
  );
  return { token: Token ?? '', identityId: IdentityId ?? '' };
}

async function assume(sts: StsService, of: IdentityPool, token: string) {
  const client = new STSClient({ region: REGION, endpoint: sts.url, maxAttempts: 1 });
  clients.push(client);
  const { Credentials } = await client.send(
    new AssumeRoleWithWebIdentityCommand({
      RoleArn: of.authenticatedRole.arn,
      RoleSessionName: 'tags-test',
      WebIdentityToken: token,
    }),
  );
  return Credentials?.AccessKeyId ?? '';
}

const ACCESS_DENIED = { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } };

/** Whether the S3 gateway's authorization lets these credentials read a key, as it judges a request. */
async function mayRead(from: CredentialStore, credentials: IssuedCredentials, key: string): Promise<boolean> {
  const verified = {
    credentials,
    authType: 'REST-HEADER',
    signingDate: new Date(),
    signedHeaders: ['host'],
    contentSha256: 'UNSIGNED-PAYLOAD',
    amzParameters: new Map(),
  } as const;
  const [allowed] = await authorize(
    { store: from, verified, conditions: sessionConditions(verified, REGION, Date.now(), '127.0.0.1') },
    [{ action: 's3:GetObject', resource: `${BUCKET_ARN}/${key}`, context: {} }],
  );
  return allowed ?? false;
}

describe('a token with principal tags', () => {
  it('is refused by a trust that allows only sts:AssumeRoleWithWebIdentity', async () => {
    const { token } = await tokenOf(untagging, DESIGN);
    await expect(assume(refusing, untagging, token)).rejects.toMatchObject(ACCESS_DENIED);
  });

  it('the same token is accepted where the trust allows sts:TagSession too; the session carries its tags', async () => {
    const { token, identityId } = await tokenOf(untagging, DESIGN);
    await expect(assume(refusing, untagging, token)).rejects.toMatchObject(ACCESS_DENIED);
    const accessKeyId = await assume(allowing, untagging, token);
    expect(allowingStore.findCredentials(accessKeyId)).toMatchObject({ identityId, principalTags: DESIGN });
  });

  it("the session's tags are what S3 reads: without them the same identity's group read is refused", async () => {
    const { token, identityId } = await tokenOf(untagging, DESIGN);
    const tagged = allowingStore.findCredentials(await assume(allowing, untagging, token));
    if (!tagged) throw new Error('no credentials');
    expect(await mayRead(allowingStore, tagged, 'groups/design/plan.txt')).toBe(true);
    expect(await mayRead(allowingStore, tagged, 'groups/ops/plan.txt')).toBe(false);
    // What dropping the tags would give: the same identity, pool and role, no tags.
    const dropped = allowingStore.issueCredentials({
      identityId,
      identityPoolId: untagging.id,
      amr: tagged.amr,
      roleArn: tagged.roleArn,
    });
    expect(await mayRead(allowingStore, dropped, 'groups/design/plan.txt')).toBe(false);
    expect(await mayRead(allowingStore, dropped, `private/${identityId}/own.txt`)).toBe(true);
  });

  it('an explicit Deny of sts:TagSession refuses it, though another statement allows it', async () => {
    const { token } = await tokenOf(denying, DESIGN);
    await expect(assume(refusing, denying, token)).rejects.toMatchObject(ACCESS_DENIED);
    // Without tags the Deny does not apply: the assume-role alone is allowed.
    await expect(assume(refusing, denying, (await tokenOf(denying)).token)).resolves.toMatch(/^ASIA/);
  });
});

describe('a token without tags', () => {
  it('needs no sts:TagSession, and its session has no tags', async () => {
    const { token } = await tokenOf(untagging);
    const accessKeyId = await assume(refusing, untagging, token);
    expect(store.findCredentials(accessKeyId)?.principalTags).toEqual({});
  });
});

describe("sts:TagSession is judged with the request's tags", () => {
  it('aws:TagKeys: keys the trust names are allowed, another is refused', async () => {
    await expect(assume(refusing, byTagKeys, (await tokenOf(byTagKeys, DESIGN)).token)).resolves.toMatch(
      /^ASIA/,
    );
    const other = await tokenOf(byTagKeys, { group0: 'design', team: 'design' });
    await expect(assume(refusing, byTagKeys, other.token)).rejects.toMatchObject(ACCESS_DENIED);
  });

  it('aws:RequestTag/<key>: the value the trust names is allowed, another is refused', async () => {
    await expect(
      assume(refusing, byRequestTag, (await tokenOf(byRequestTag, DESIGN)).token),
    ).resolves.toMatch(/^ASIA/);
    const ops = await tokenOf(byRequestTag, { group0: 'ops' });
    await expect(assume(refusing, byRequestTag, ops.token)).rejects.toMatchObject(ACCESS_DENIED);
  });
});

describe('tags STS refuses whatever the trust says', () => {
  it('keys equal but for case: InvalidParameterValue', async () => {
    const { token } = await tokenOf(untagging, { group0: 'design', GROUP0: 'ops' });
    await expect(assume(allowing, untagging, token)).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      message: expect.stringContaining('case insensitive'),
    });
  });

  it('keys in the reserved aws: namespace: InvalidParameterValue', async () => {
    const { token } = await tokenOf(untagging, { 'aws:group0': 'design' });
    await expect(assume(allowing, untagging, token)).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('a tags claim altered after signing: InvalidIdentityToken', async () => {
    const { token } = await tokenOf(untagging, DESIGN);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    claims['https://aws.amazon.com/tags'].principal_tags.group0 = ['ops'];
    const altered = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    await expect(assume(allowing, untagging, altered)).rejects.toMatchObject({
      name: 'InvalidIdentityTokenException',
    });
  });
});

describe('the tags claim as STS reads it (a token signed with a key of this test)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const now = Math.floor(Date.now() / 1000);
  const withClaim = (claim: unknown) =>
    signJwt(
      privateKey,
      { alg: 'RS256', typ: 'JWT' },
      {
        iss: 'https://cognito-identity.amazonaws.com',
        sub: `${REGION}:00000000-0000-4000-8000-000000000000`,
        aud: untagging.id,
        amr: ['authenticated'],
        exp: now + 600,
        'https://aws.amazon.com/tags': claim,
      },
    );

  it('reads one value per key; no principal_tags is no tags', () => {
    expect(
      verifyOpenIdToken(withClaim({ principal_tags: { group0: ['design'] } }), publicKey, now),
    ).toMatchObject({
      principalTags: DESIGN,
    });
    expect(verifyOpenIdToken(withClaim({}), publicKey, now).principalTags).toEqual({});
  });

  it.each<[string, unknown]>([
    ['several values for a key', { principal_tags: { group0: ['design', 'ops'] } }],
    ['a bare string value', { principal_tags: { group0: 'design' } }],
    ['a value of another type', { principal_tags: { group0: [7] } }],
    ['principal_tags as a list', { principal_tags: [['group0', 'design']] }],
    ['the claim as a string', 'group0=design'],
    ['a value AWS would not allow', { principal_tags: { group0: ['des*gn'] } }],
  ])('refuses %s: InvalidIdentityToken', (_, claim) => {
    expect(() => verifyOpenIdToken(withClaim(claim), publicKey, now)).toThrow(
      expect.objectContaining({ code: 'InvalidIdentityToken' }),
    );
  });
});
