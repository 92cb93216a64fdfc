/**
 * Principal tags on the local identity pool: `GetOpenIdTokenForDeveloperIdentity`, signed by the
 * developer (function) keys, accepts `PrincipalTags` within AWS's bounds (50 tags, keys 1-128 and
 * values 1-256 characters of AWS's tag characters; `InvalidParameterException` otherwise) and puts
 * them in the token's `https://aws.amazon.com/tags` claim. No other way in sets any: an unsigned
 * call is refused before its tags are read, and tokens and credentials for guests and for user-pool
 * logins carry none, whatever the request says.
 */
import { randomBytes } from 'node:crypto';
import {
  CognitoIdentityClient,
  GetIdCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
} from '@aws-sdk/client-cognito-identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IdentityService, startIdentityService } from '../../../local/cognito-identity/service';
import { startUserPoolGateway, type UserPoolGateway } from '../../../local/cognito-idp/gateway';
import { createCredentialStore, type IdentityPool } from '../../../local/core/credential-store';
import { type MotoServer, startMoto } from '../../../local/moto/moto';
import {
  buildAuthenticatedRolePolicy,
  buildUnauthenticatedRolePolicy,
} from '../../../shared/policy/access-policy';
import { ADMIN_CREDENTIALS, createUser, createUserPool, decodeJwtPart, REGION, signIn } from '../support';

const DEVELOPER = 'user-files.principal-tags';
const DEVELOPER_KEYS = {
  accessKeyId: `AKIADEV${randomBytes(6).toString('hex').toUpperCase()}`,
  secretAccessKey: randomBytes(30).toString('base64'),
};
const TAGS_CLAIM = 'https://aws.amazon.com/tags';
const TARGET = 'AWSCognitoIdentityService.';

const store = createCredentialStore();
let moto: MotoServer;
let door: UserPoolGateway;
let identity: IdentityService;
let pool: IdentityPool;
let developer: CognitoIdentityClient;
let userLogins: Record<string, string>;

beforeAll(async () => {
  moto = await startMoto();
  door = await startUserPoolGateway({
    moto,
    principals: { admin: ADMIN_CREDENTIALS, store },
    region: REGION,
  });
  const userPool = await createUserPool(door.url, 'user-files-principal-tags');
  const user = await createUser(door.url, userPool, 'tagged');
  const bucketArn = 'arn:aws:s3:::principal-tags';
  // Every way in on one pool: a user-pool login, the developer provider and guests.
  pool = store.createIdentityPool({
    name: 'principal_tags',
    region: REGION,
    providers: [{ providerName: userPool.providerName, clientId: userPool.clientId }],
    developerProviderName: DEVELOPER,
    authenticatedRole: {
      arn: 'arn:aws:iam::000000000000:role/principal-tags-authenticated',
      policy: buildAuthenticatedRolePolicy({ bucketArn }),
    },
    unauthenticatedRole: {
      arn: 'arn:aws:iam::000000000000:role/principal-tags-unauthenticated',
      policy: buildUnauthenticatedRolePolicy({ bucketArn }),
    },
    allowUnauthenticatedIdentities: true,
  });
  identity = await startIdentityService({
    store,
    region: REGION,
    userPoolEndpoint: door.url,
    developerCredentials: DEVELOPER_KEYS,
  });
  developer = new CognitoIdentityClient({
    region: REGION,
    endpoint: identity.url,
    credentials: DEVELOPER_KEYS,
    maxAttempts: 1,
  });
  userLogins = { [userPool.providerName]: (await signIn(door.url, userPool, user)).idToken };
});

afterAll(async () => {
  developer?.destroy();
  await Promise.all([identity?.close(), door?.close()]);
  await moto?.close();
});

const developerToken = (PrincipalTags?: Record<string, unknown>) =>
  developer.send(
    new GetOpenIdTokenForDeveloperIdentityCommand({
      IdentityPoolId: pool.id,
      Logins: { [DEVELOPER]: 'pool:someone' },
      ...(PrincipalTags === undefined ? {} : { PrincipalTags: PrincipalTags as Record<string, string> }),
    }),
  );

const claimOf = (token: string | undefined) => decodeJwtPart(token ?? '', 1)[TAGS_CLAIM];

/** What the unsigned calls here answer (the members each test reads). */
interface Answer {
  readonly __type?: string;
  readonly IdentityId?: string;
  readonly Token?: string;
  readonly Credentials?: { readonly AccessKeyId: string };
}

/** A raw unsigned AWS JSON call, with members the SDK would not send for the operation. */
async function unsignedCall(operation: string, body: unknown): Promise<{ status: number; json: Answer }> {
  const response = await fetch(identity.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `${TARGET}${operation}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Answer };
}

const manyTags = (count: number) =>
  Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, 'v']));

describe('GetOpenIdTokenForDeveloperIdentity with PrincipalTags', () => {
  it("puts them in the token's tags claim, one value per key, as Cognito does", async () => {
    const { Token } = await developerToken({ group0: 'design', group1: 'ops' });
    expect(claimOf(Token)).toEqual({ principal_tags: { group0: ['design'], group1: ['ops'] } });
  });

  it('without PrincipalTags, or with none, the token has no tags claim', async () => {
    expect(decodeJwtPart((await developerToken()).Token ?? '', 1)).not.toHaveProperty([TAGS_CLAIM]);
    expect(decodeJwtPart((await developerToken({})).Token ?? '', 1)).not.toHaveProperty([TAGS_CLAIM]);
  });

  it.each<[string, Record<string, string>]>([
    ['50 tags', manyTags(50)],
    ['a 128-character key and a 256-character value', { ['k'.repeat(128)]: 'v'.repeat(256) }],
    ['every punctuation AWS allows, and spaces', { 'a_b.c:d/e=f+g-h@i': 'x y_z.:/=+-@' }],
    ['letters and digits of any script', { Équipe: '設計チーム٣' }],
  ])('accepts %s', async (_, tags) => {
    const { Token } = await developerToken(tags);
    expect(claimOf(Token)).toEqual({
      principal_tags: Object.fromEntries(Object.entries(tags).map(([key, value]) => [key, [value]])),
    });
  });

  it.each<[string, Record<string, string>]>([
    ['51 tags', manyTags(51)],
    ['an empty key', { '': 'design' }],
    ['a 129-character key', { ['k'.repeat(129)]: 'design' }],
    ['an empty value', { group0: '' }],
    ['a 257-character value', { group0: 'v'.repeat(257) }],
    ['a "*" in a value', { group0: 'des*gn' }],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a JS template.
    ['a policy variable in a value', { group0: '${aws:username}' }],
    ['a line break in a value', { group0: 'design\nops' }],
    ['a "<" in a key', { 'group<0': 'design' }],
    ['a "," in a value', { group0: 'design,ops' }],
  ])('refuses %s: InvalidParameterException', async (_, tags) => {
    await expect(developerToken(tags)).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  it('refuses tags that are not a map of strings, as the JSON protocol does', async () => {
    await expect(developerToken({ group0: 7 })).rejects.toMatchObject({ name: 'SerializationException' });
    await expect(developerToken(['design'] as never)).rejects.toMatchObject({
      name: 'SerializationException',
    });
  });
});

describe('only that signed operation sets tags', () => {
  it('an unsigned call is refused before its tags are read', async () => {
    const answer = await unsignedCall('GetOpenIdTokenForDeveloperIdentity', {
      IdentityPoolId: pool.id,
      Logins: { [DEVELOPER]: 'pool:someone' },
      PrincipalTags: { group0: 'design' },
    });
    expect(answer).toMatchObject({ status: 403, json: { __type: 'MissingAuthenticationTokenException' } });
  });

  it("a guest's token carries none, whatever the request says", async () => {
    const { json: id } = await unsignedCall('GetId', {
      IdentityPoolId: pool.id,
      PrincipalTags: { group0: 'x' },
    });
    const { json } = await unsignedCall('GetOpenIdToken', {
      IdentityId: id.IdentityId,
      PrincipalTags: { group0: 'design' },
    });
    expect(decodeJwtPart(json.Token ?? '', 1).amr).toEqual(['unauthenticated']);
    expect(decodeJwtPart(json.Token ?? '', 1)).not.toHaveProperty([TAGS_CLAIM]);
  });

  it("a user-pool login's token and credentials carry none, whatever the request says", async () => {
    const anonymous = new CognitoIdentityClient({ region: REGION, endpoint: identity.url });
    try {
      const { IdentityId } = await anonymous.send(
        new GetIdCommand({ IdentityPoolId: pool.id, Logins: userLogins }),
      );
      const { json } = await unsignedCall('GetOpenIdToken', {
        IdentityId,
        Logins: userLogins,
        PrincipalTags: { group0: 'design' },
      });
      expect(decodeJwtPart(json.Token ?? '', 1).amr).toContain('authenticated');
      expect(decodeJwtPart(json.Token ?? '', 1)).not.toHaveProperty([TAGS_CLAIM]);
      const { json: issued } = await unsignedCall('GetCredentialsForIdentity', {
        IdentityId,
        Logins: userLogins,
        PrincipalTags: { group0: 'design' },
      });
      expect(store.findCredentials(issued.Credentials?.AccessKeyId ?? '')).toMatchObject({
        identityId: IdentityId,
        principalTags: {},
      });
    } finally {
      anonymous.destroy();
    }
  });
});
