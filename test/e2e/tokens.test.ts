/**
 * Bad ID tokens, refused at both doors: the API (401 problem from the authorizer) and the identity
 * pool (NotAuthorizedException for GetId and GetCredentialsForIdentity with the token in Logins).
 *
 * On a local stack started by this run, the time-shifted tokens are signed with the user pool's own
 * private key (generated at the stack's start), so their signatures are valid and only the claim
 * under test is wrong; a control token re-signed with the same key and unchanged claims is accepted,
 * which proves it. Wrong audience and another pool are real tokens: a second app client of the same
 * pool, and a second pool on the same moto (signed with the very same key, so only the issuer tells
 * them apart). A token signed with the key moto ships in its package (public on the internet) is
 * refused everywhere. Against any other target every forged token is signed with that public key.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  CognitoIdentityClient,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
} from '@aws-sdk/client-cognito-identity';
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateResponse } from '../support/openapi-validator';
import { signIn, signInTokens } from './support/session';
import { type E2eTarget, e2eTarget } from './support/target';

const target = e2eTarget();
/** Forged tokens carry valid signatures only on a stack this run started (it knows the key). */
const local = target.localSecrets !== undefined;
const NOW = () => Math.floor(Date.now() / 1000);
const HOUR = 3600;

type Claims = Record<string, unknown>;

const segment = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const claimsOf = (token: string): Claims =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Claims;

/** An RS256 signing key: only n and d, and the key ID its tokens name. */
interface RsaKey {
  readonly n: bigint;
  readonly d: bigint;
  readonly bytes: number;
  readonly kid: string;
}

function rsaKey(jwk: { n?: string; d?: string }, kid: string): RsaKey {
  if (!jwk.n || !jwk.d) throw new Error('an RSA private JWK expected');
  const big = (value: string) => BigInt(`0x${Buffer.from(value, 'base64url').toString('hex')}`);
  return { n: big(jwk.n), d: big(jwk.d), bytes: Buffer.from(jwk.n, 'base64url').length, kid };
}

/** The key moto ships in its package (kid "dummy"), read from the installed moto. */
function motoBuiltInKey(): RsaKey {
  const motoDir = execFileSync('python3', ['-c', 'import moto, os; print(os.path.dirname(moto.__file__))'], {
    encoding: 'utf8',
  }).trim();
  const jwk = JSON.parse(
    gunzipSync(readFileSync(join(motoDir, 'cognitoidp', 'resources', 'jwks-private.json.gz'))).toString(
      'utf8',
    ),
  ) as { n: string; d: string };
  return rsaKey(jwk, 'dummy');
}

/** The local pool's own key when this run started the stack, else moto's public one. */
function forgingKey(): RsaKey {
  const own = target.localSecrets?.userPoolSigningKey;
  return own ? rsaKey(own, String((own as { kid?: unknown }).kid)) : motoBuiltInKey();
}

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
  }
  return result;
}

// DER prefix of a SHA-256 DigestInfo (RFC 8017, section 9.2, note 1).
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/**
 * RS256 (RSASSA-PKCS1-v1_5 with SHA-256) by hand: node:crypto will not load a JWK without the
 * CRT parameters, which moto's key file leaves out.
 */
function sign(key: RsaKey, claims: Claims, kid = key.kid): string {
  const unsigned = `${segment({ kid, alg: 'RS256' })}.${segment(claims)}`;
  const digest = Buffer.concat([SHA256_DIGEST_INFO, createHash('sha256').update(unsigned).digest()]);
  const padded = Buffer.concat([
    Buffer.from([0, 1]),
    Buffer.alloc(key.bytes - digest.length - 3, 0xff),
    Buffer.from([0]),
    digest,
  ]);
  const signature = modPow(BigInt(`0x${padded.toString('hex')}`), key.d, key.n)
    .toString(16)
    .padStart(key.bytes * 2, '0');
  return `${unsigned}.${Buffer.from(signature, 'hex').toString('base64url')}`;
}

const adminIdp = (where: E2eTarget) => {
  const credentials = where.localSecrets?.adminCredentials;
  if (!credentials) throw new Error("the local stack's admin keys are needed");
  return new CognitoIdentityProviderClient({
    region: where.region,
    endpoint: where.endpoints.cognitoIdp,
    credentials,
  });
};

const ALLOW_PASSWORD = ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] as const;

/** A second app client of the same pool; the user signs in through it. */
async function otherClientToken(): Promise<string> {
  const idp = adminIdp(target);
  try {
    const created = await idp.send(
      new CreateUserPoolClientCommand({
        UserPoolId: target.userPoolId,
        ClientName: 'another-app',
        ExplicitAuthFlows: [...ALLOW_PASSWORD],
      }),
    );
    const clientId = created.UserPoolClient?.ClientId;
    if (!clientId) throw new Error('no client ID');
    return (await signInTokens({ ...target, userPoolClientId: clientId }, target.users[0])).idToken;
  } finally {
    idp.destroy();
  }
}

/** A second user pool on the same moto, with its own client and user. */
async function otherPoolToken(): Promise<string> {
  const idp = adminIdp(target);
  try {
    const pool = await idp.send(new CreateUserPoolCommand({ PoolName: 'another-pool' }));
    const userPoolId = pool.UserPool?.Id;
    if (!userPoolId) throw new Error('no pool ID');
    const client = await idp.send(
      new CreateUserPoolClientCommand({
        UserPoolId: userPoolId,
        ClientName: 'another-pool-app',
        ExplicitAuthFlows: [...ALLOW_PASSWORD],
      }),
    );
    const clientId = client.UserPoolClient?.ClientId;
    if (!clientId) throw new Error('no client ID');
    const user = { username: target.users[0].username, password: 'Another-Pool-Passw0rd!' };
    await idp.send(new AdminCreateUserCommand({ UserPoolId: userPoolId, Username: user.username }));
    await idp.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: userPoolId,
        Username: user.username,
        Password: user.password,
        Permanent: true,
      }),
    );
    return (await signInTokens({ ...target, userPoolId, userPoolClientId: clientId }, user)).idToken;
  } finally {
    idp.destroy();
  }
}

const identity = new CognitoIdentityClient({
  region: target.region,
  ...(target.endpoints.cognitoIdentity ? { endpoint: target.endpoints.cognitoIdentity } : {}),
  maxAttempts: 1,
});
const logins = (token: string) => ({
  [`cognito-idp.${target.region}.amazonaws.com/${target.userPoolId}`]: token,
});

let tokens: Record<string, string>;
let identityId: string;
let control: string;

beforeAll(async () => {
  const key = forgingKey();
  const motoKey = motoBuiltInKey();
  const { idToken, accessToken } = await signInTokens(target, target.users[0]);
  identityId = (await signIn(target, target.users[0])).identityId;
  const claims = claimsOf(idToken);
  const now = NOW();
  const shifted = (change: Claims) => sign(key, { ...claims, ...change });
  const [header, payload, signature] = idToken.split('.') as [string, string, string];
  control = shifted({ iat: now, auth_time: now, exp: now + HOUR });
  tokens = {
    "signed with the key moto ships (public), under moto's key ID": sign(
      motoKey,
      { ...claims, iat: now, auth_time: now, exp: now + HOUR },
      'dummy',
    ),
    "signed with the key moto ships (public), under the pool's key ID": sign(
      motoKey,
      {
        ...claims,
        iat: now,
        auth_time: now,
        exp: now + HOUR,
      },
      key.kid,
    ),
    expired: shifted({ iat: now - 2 * HOUR, auth_time: now - 2 * HOUR, exp: now - HOUR }),
    'not yet valid (nbf and iat in the future)': shifted({
      nbf: now + HOUR,
      iat: now + HOUR,
      auth_time: now + HOUR,
      exp: now + 2 * HOUR,
    }),
    'wrong audience (another app client of the pool)': local
      ? await otherClientToken()
      : shifted({ aud: 'another-app-client' }),
    'an access token instead of the ID token': accessToken,
    'alg "none", unsigned': `${segment({ alg: 'none', typ: 'JWT' })}.${payload}.`,
    'a tampered signature': `${header}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`,
    'claims changed under the original signature': `${header}.${segment({ ...claims, sub: '00000000-0000-4000-8000-000000000000' })}.${signature}`,
    'a token of another user pool': local
      ? await otherPoolToken()
      : shifted({ iss: `https://cognito-idp.${target.region}.amazonaws.com/${target.region}_Another1` }),
  };
});

afterAll(() => {
  identity.destroy();
});

async function api(path: string, token: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(`${target.apiUrl}${path}`, {
    ...init,
    headers: { ...init.headers, Authorization: `Bearer ${token}` },
  });
  return response;
}

async function expectUnauthorizedApi(token: string): Promise<void> {
  const me = await api('me', token);
  const body = await me.text();
  validateResponse('GET', '/me', me.status, me.headers.get('content-type') ?? undefined, body);
  expect(me.status, body).toBe(401);
  expect(JSON.parse(body)).toMatchObject({ status: 401, code: 'unauthorized' });
  // And on a route that would sign a URL: nothing signed.
  const upload = await api('files/uploads', token, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ level: 'private', key: 'x.txt', contentType: 'text/plain', size: 1 }),
  });
  const uploadBody = await upload.text();
  expect(upload.status).toBe(401);
  expect(uploadBody).not.toContain('X-Amz-Signature');
}

describe("the control: claims re-signed with the pool's key, nothing wrong", () => {
  it(`is ${local ? 'accepted' : 'refused (only a stack started by this run shares its key)'} at both doors`, async () => {
    const me = await api('me', control);
    expect(me.status).toBe(local ? 200 : 401);
    if (local) {
      expect(await me.json()).toMatchObject({ identityId });
      // A sealed pool takes no user-pool login at all (sealed-bypass.test.ts).
      if (target.accessMode === 'direct') {
        const id = await identity.send(
          new GetIdCommand({ IdentityPoolId: target.identityPoolId, Logins: logins(control) }),
        );
        expect(id.IdentityId).toBe(identityId);
      }
    } else {
      await me.arrayBuffer();
    }
  });
});

describe.each([
  'expired',
  'not yet valid (nbf and iat in the future)',
  'wrong audience (another app client of the pool)',
  'an access token instead of the ID token',
  'alg "none", unsigned',
  'a tampered signature',
  'claims changed under the original signature',
  'a token of another user pool',
  "signed with the key moto ships (public), under moto's key ID",
  "signed with the key moto ships (public), under the pool's key ID",
])('%s', (name) => {
  const token = () => tokens[name] ?? '';

  it('is refused by the API: 401 problem, no URL signed', async () => {
    await expectUnauthorizedApi(token());
  });

  it('is refused by the identity pool: GetId → NotAuthorizedException', async () => {
    await expect(
      identity.send(new GetIdCommand({ IdentityPoolId: target.identityPoolId, Logins: logins(token()) })),
    ).rejects.toMatchObject({ name: 'NotAuthorizedException' });
  });

  it("mints no credentials, even for the user's own identity ID", async () => {
    await expect(
      identity.send(
        new GetCredentialsForIdentityCommand({ IdentityId: identityId, Logins: logins(token()) }),
      ),
    ).rejects.toMatchObject({ name: 'NotAuthorizedException' });
  });
});
