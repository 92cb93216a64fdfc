/**
 * Shared set-up of the `local` test project: a real moto_server, the credential store, the identity
 * service and the S3 gateway on free loopback ports, plus a user pool with real users whose ID
 * tokens come from moto's InitiateAuth, and a bucket.
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, createSign, type KeyObject } from 'node:crypto';
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { CreateBucketCommand, PutBucketCorsCommand, S3Client } from '@aws-sdk/client-s3';
import { fromCognitoIdentityPool } from '@aws-sdk/credential-providers';
import { passwordSignIn } from '../../local/bootstrap';
import {
  type CredentialStore,
  cognitoProviderName,
  createCredentialStore,
  type IdentityPool,
} from '../../local/credential-store';
import { type IdentityService, startIdentityService } from '../../local/identity-service';
import { type MotoServer, startMoto } from '../../local/moto';
import { type S3Gateway, startS3Gateway } from '../../local/s3-gateway';
import { buildAuthenticatedRolePolicy } from '../../shared/policy/access-policy';

export const REGION = 'us-east-1';
export const ROLE_ARN = 'arn:aws:iam::000000000000:role/user-files-test-authenticated';
export const ADMIN_CREDENTIALS = { accessKeyId: 'moto-admin', secretAccessKey: 'moto-admin' };

export interface LocalServices {
  readonly moto: MotoServer;
  readonly store: CredentialStore;
  readonly identity: IdentityService;
  readonly gateway: S3Gateway;
  readonly logs: string[];
  close(): Promise<void>;
}

export async function startLocalServices(
  options: { credentialLifetimeSeconds?: number; now?: () => number } = {},
): Promise<LocalServices> {
  const moto = await startMoto();
  const store = createCredentialStore(options.now ? { now: options.now } : {});
  const logs: string[] = [];
  const log = (line: string) => logs.push(line);
  const [identity, gateway] = await Promise.all([
    startIdentityService({
      store,
      region: REGION,
      userPoolEndpoint: moto.url,
      log,
      ...(options.credentialLifetimeSeconds
        ? { credentialLifetimeSeconds: options.credentialLifetimeSeconds }
        : {}),
    }),
    startS3Gateway({
      upstream: moto.url,
      store,
      region: REGION,
      log,
      ...(options.now ? { now: options.now } : {}),
    }),
  ]);
  return {
    moto,
    store,
    identity,
    gateway,
    logs,
    async close() {
      await Promise.all([identity.close(), gateway.close()]);
      await moto.close();
    },
  };
}

export interface UserPool {
  readonly userPoolId: string;
  readonly clientId: string;
  readonly providerName: string;
}

export interface TestUser {
  readonly username: string;
  readonly password: string;
  readonly sub: string;
}

function idp(motoUrl: string): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    region: REGION,
    endpoint: motoUrl,
    credentials: ADMIN_CREDENTIALS,
  });
}

export async function createUserPool(motoUrl: string, name = 'user-files-test'): Promise<UserPool> {
  const client = idp(motoUrl);
  try {
    const pool = await client.send(new CreateUserPoolCommand({ PoolName: name }));
    const userPoolId = pool.UserPool?.Id ?? '';
    const appClient = await client.send(
      new CreateUserPoolClientCommand({
        UserPoolId: userPoolId,
        ClientName: `${name}-app`,
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      }),
    );
    return {
      userPoolId,
      clientId: appClient.UserPoolClient?.ClientId ?? '',
      providerName: cognitoProviderName(REGION, userPoolId),
    };
  } finally {
    client.destroy();
  }
}

export async function createUser(motoUrl: string, pool: UserPool, username: string): Promise<TestUser> {
  const client = idp(motoUrl);
  const password = `Test-${username}-Passw0rd!`;
  try {
    const created = await client.send(
      new AdminCreateUserCommand({
        UserPoolId: pool.userPoolId,
        Username: username,
        MessageAction: 'SUPPRESS',
      }),
    );
    await client.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: pool.userPoolId,
        Username: username,
        Password: password,
        Permanent: true,
      }),
    );
    const sub = created.User?.Attributes?.find((attribute) => attribute.Name === 'sub')?.Value ?? '';
    return { username, password, sub };
  } finally {
    client.destroy();
  }
}

/** A fresh sign-in (USER_PASSWORD_AUTH): every call returns new tokens. */
export async function signIn(
  motoUrl: string,
  pool: UserPool,
  user: TestUser,
): Promise<{ idToken: string; accessToken: string }> {
  const client = idp(motoUrl);
  try {
    return await passwordSignIn(client, pool.clientId, user);
  } finally {
    client.destroy();
  }
}

export function registerIdentityPool(
  store: CredentialStore,
  pool: UserPool,
  bucket: string,
  options: { name?: string; identityVariable?: string } = {},
): IdentityPool {
  return store.createIdentityPool({
    name: options.name ?? 'user_files_test',
    region: REGION,
    providers: [{ providerName: pool.providerName, clientId: pool.clientId }],
    authenticatedRole: {
      arn: ROLE_ARN,
      policy: buildAuthenticatedRolePolicy({
        bucketArn: `arn:aws:s3:::${bucket}`,
        ...(options.identityVariable ? { identityVariable: options.identityVariable } : {}),
      }),
    },
  });
}

export async function createBucket(
  motoUrl: string,
  bucket: string,
  allowedOrigins: string[] = [],
): Promise<void> {
  const s3 = new S3Client({
    region: REGION,
    endpoint: motoUrl,
    forcePathStyle: true,
    credentials: ADMIN_CREDENTIALS,
  });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    if (allowedOrigins.length > 0) {
      await s3.send(
        new PutBucketCorsCommand({
          Bucket: bucket,
          CORSConfiguration: {
            CORSRules: [
              {
                AllowedOrigins: allowedOrigins,
                AllowedMethods: ['GET', 'HEAD', 'PUT'],
                AllowedHeaders: ['*'],
                ExposeHeaders: ['ETag'],
                MaxAgeSeconds: 3000,
              },
            ],
          },
        }),
      );
    }
  } finally {
    s3.destroy();
  }
}

/** What the SDK does in an app: credentials for the signed-in user from the identity pool. */
export function identityPoolCredentials(
  services: LocalServices,
  identityPool: IdentityPool,
  pool: UserPool,
  idToken: string,
) {
  return fromCognitoIdentityPool({
    identityPoolId: identityPool.id,
    logins: { [pool.providerName]: idToken },
    clientConfig: { region: REGION, endpoint: services.identity.url },
  });
}

/** moto signs every user pool's tokens with one fixed key; tests use it to forge otherwise-valid tokens. */
export function motoSigningKey(): KeyObject {
  const pem = execFileSync(
    'python3',
    [
      '-c',
      [
        'from joserfc import jwk',
        'from moto.utilities.utils import load_resource',
        "key = jwk.import_key(load_resource('moto.cognitoidp.models', 'resources/jwks-private.json'))",
        'print(key.as_pem(private=True).decode())',
      ].join('\n'),
    ],
    { encoding: 'utf8' },
  );
  return createPrivateKey(pem);
}

export function signJwt(
  key: KeyObject,
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode(header)}.${encode(payload)}`;
  return `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(key).toString('base64url')}`;
}

export function decodeJwtPart(token: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index] ?? '', 'base64url').toString('utf8'));
}
