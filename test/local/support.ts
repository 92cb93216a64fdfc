/**
 * Shared set-up of the `local` test project: a real moto_server on its private socket, the user-pool
 * gateway in front of it, the credential store, the identity service and the S3 gateway on free
 * loopback ports, plus a user pool with real users whose ID tokens come from InitiateAuth through
 * the gateway, and a bucket.
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, createSign, type KeyObject, randomBytes } from 'node:crypto';
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { CreateBucketCommand, PutBucketCorsCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { fromCognitoIdentityPool } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity } from '@smithy/types';
import { type IdentityService, startIdentityService } from '../../local/cognito-identity/service';
import { startUserPoolGateway, type UserPoolGateway } from '../../local/cognito-idp/gateway';
import {
  type CredentialStore,
  cognitoProviderName,
  createCredentialStore,
  type IdentityPool,
} from '../../local/core/credential-store';
import type { ResourcePolicyDocument } from '../../local/core/policy-engine';
import { type MotoServer, startMoto } from '../../local/moto/moto';
import { type S3Gateway, type S3GatewayOptions, startS3Gateway } from '../../local/s3/gateway';
import { buildAuthenticatedRolePolicy } from '../../shared/policy/access-policy';
import { signInWithPassword, type Tokens } from '../support/sign-in';

export const REGION = 'us-east-1';
export const ROLE_ARN = 'arn:aws:iam::000000000000:role/user-files-test-authenticated';
/** The admin keys the user-pool gateway accepts for IAM-authorized operations, new per test file. */
export const ADMIN_CREDENTIALS = {
  accessKeyId: `AKIATEST${randomBytes(6).toString('hex').toUpperCase()}`,
  secretAccessKey: randomBytes(30).toString('base64'),
};

export interface LocalServices {
  readonly moto: MotoServer;
  /** The user pool's front door: every user-pool call of the tests goes through it. */
  readonly userPool: UserPoolGateway;
  readonly store: CredentialStore;
  readonly identity: IdentityService;
  readonly gateway: S3Gateway;
  readonly logs: string[];
  /** An S3 client of `credentials` at the gateway, one attempt per call; `close()` destroys it. */
  s3For(credentials: AwsCredentialIdentity, config?: Partial<S3ClientConfig>): S3Client;
  close(): Promise<void>;
}

export async function startLocalServices(
  options: {
    credentialLifetimeSeconds?: number;
    now?: () => number;
    /** Bucket policies the gateway evaluates (malware scanning's). */
    bucketPolicies?: ReadonlyMap<string, ResourcePolicyDocument>;
    onEvent?: S3GatewayOptions['onEvent'];
    afterAuthorize?: S3GatewayOptions['afterAuthorize'];
  } = {},
): Promise<LocalServices> {
  const moto = await startMoto();
  const store = createCredentialStore(options.now ? { now: options.now } : {});
  const logs: string[] = [];
  const log = (line: string) => logs.push(line);
  const userPool = await startUserPoolGateway({
    moto,
    principals: { admin: ADMIN_CREDENTIALS, store },
    region: REGION,
    log,
  });
  const [identity, gateway] = await Promise.all([
    startIdentityService({
      store,
      region: REGION,
      userPoolEndpoint: userPool.url,
      log,
      ...(options.credentialLifetimeSeconds
        ? { credentialLifetimeSeconds: options.credentialLifetimeSeconds }
        : {}),
    }),
    startS3Gateway({
      upstream: 'http://127.0.0.1',
      upstreamAgent: moto.agent,
      store,
      region: REGION,
      log,
      ...(options.now ? { now: options.now } : {}),
      ...(options.bucketPolicies
        ? { bucketPolicy: (bucket: string) => options.bucketPolicies?.get(bucket) }
        : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      ...(options.afterAuthorize ? { afterAuthorize: options.afterAuthorize } : {}),
    }),
  ]);
  const clients: S3Client[] = [];
  return {
    moto,
    userPool,
    store,
    identity,
    gateway,
    logs,
    s3For(credentials, config = {}) {
      const client = new S3Client({
        region: REGION,
        endpoint: gateway.url,
        forcePathStyle: true,
        credentials,
        maxAttempts: 1,
        ...config,
      });
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients) client.destroy();
      await Promise.all([identity.close(), gateway.close(), userPool.close()]);
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

function idp(userPoolUrl: string): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    region: REGION,
    endpoint: userPoolUrl,
    credentials: ADMIN_CREDENTIALS,
  });
}

export async function createUserPool(userPoolUrl: string, name = 'user-files-test'): Promise<UserPool> {
  const client = idp(userPoolUrl);
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

export async function createUser(userPoolUrl: string, pool: UserPool, username: string): Promise<TestUser> {
  const client = idp(userPoolUrl);
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

/** A fresh sign-in (USER_PASSWORD_AUTH) through the gateway: every call returns new tokens. */
export function signIn(userPoolUrl: string, pool: UserPool, user: TestUser): Promise<Tokens> {
  return signInWithPassword({ region: REGION, endpoint: userPoolUrl, clientId: pool.clientId }, user);
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

/** The HTTP status of an SDK call (200 when it succeeds, 0 when it got no answer). */
export async function status(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (error) {
    return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
  }
}

/** Creates a bucket in moto itself, over its socket (as the bootstrap does). */
export async function createBucket(
  services: Pick<LocalServices, 'moto'>,
  bucket: string,
  allowedOrigins: string[] = [],
): Promise<void> {
  const s3 = new S3Client({
    region: REGION,
    endpoint: 'http://127.0.0.1',
    forcePathStyle: true,
    credentials: ADMIN_CREDENTIALS,
    requestHandler: { httpAgent: services.moto.agent },
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

/**
 * The key moto ships in its package (public on the internet): the local stack must refuse tokens
 * signed with it. Read from the installed moto.
 */
export function motoBuiltInSigningKey(): KeyObject {
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
