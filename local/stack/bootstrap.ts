/**
 * Creates what `cdk deploy` would create, against the local services: a user pool with a password
 * policy, a public app client, two demo users in one demo group (a team folder), the bucket with its CORS rules, and the identity
 * pool whose authenticated role (and, with guest access, unauthenticated role) carries the same
 * policy document the stack deploys, the sub-to-identity directory table, and the session store's
 * table and KMS key (rotation on).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Agent } from 'node:http';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { CreateKeyCommand, EnableKeyRotationCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, PutBucketCorsCommand, S3Client } from '@aws-sdk/client-s3';
import {
  AUTHENTICATED_TRUST_ACTIONS,
  buildAuthenticatedRolePolicy,
  buildUnauthenticatedRolePolicy,
  COGNITO_IDENTITY_PRINCIPAL,
  type IdentityKind,
  type PolicyDocument,
  roleTrustConditions,
} from '../../shared/policy/access-policy';
import type { StaticCredentials } from '../core/aws-json';
import { type CredentialStore, cognitoProviderName, type PoolRole } from '../core/credential-store';

export interface DemoUser {
  /** The sign-in name: an email address, as the pool (like the deployed one) signs in by email. */
  readonly username: string;
  readonly password: string;
}

export interface BootstrapOptions {
  readonly region: string;
  /** The front doors the bootstrap calls with the admin credentials, as `cdk deploy` calls AWS. */
  readonly endpoints: { readonly userPool: string; readonly dynamodb: string; readonly kms: string };
  readonly adminCredentials: StaticCredentials;
  /** Reaches moto's own S3 (raw storage behind the S3 gateway) on its socket, to create the bucket. */
  readonly motoAgent: Agent;
  readonly allowedOrigins: readonly string[];
  /** Where the identity pool is registered, for the local identity service and S3 gateway. */
  readonly store: CredentialStore;
  /** @default 'user-files-local' */
  readonly bucketName?: string;
  /** @default 'user-files-local-identity-directory' */
  readonly identityDirectoryTable?: string;
  /** The usage ledger table (lib/storage-events.ts); undefined: none. */
  readonly ledgerTable?: string;
  /** The session store's table, created with its KMS key; undefined: no session store. */
  readonly sessionTable?: string;
  /**
   * Only for mutation tests: replaces the policy's identity variable (see `buildAuthenticatedRolePolicy`).
   * @default the real `${cognito-identity.amazonaws.com:sub}`
   */
  readonly policyIdentityVariable?: string;
  /**
   * The identity pool's login configuration, as the stack's `accessMode` sets it: `sealed`, a
   * developer provider only; `direct`, the user pool's app client. @default 'sealed'
   */
  readonly accessMode?: 'sealed' | 'direct';
  /** The authenticated role's MaxSessionDuration (and the unauthenticated role's). @default 43200 */
  readonly sessionDurationSeconds?: number;
  /**
   * Guest access, as the stack's `guestAccess`: the identity pool's unauthenticated role (its
   * policy from `buildUnauthenticatedRolePolicy`) and unauthenticated identities allowed.
   * @default false
   */
  readonly guestAccess?: boolean;
}

export interface BootstrapResult {
  readonly userPoolId: string;
  readonly userPoolClientId: string;
  readonly identityPoolId: string;
  readonly bucketName: string;
  readonly identityDirectoryTable: string;
  readonly authenticatedRoleArn: string;
  /** With guest access only. */
  readonly unauthenticatedRoleArn?: string;
  /** Sealed mode only. */
  readonly developerProviderName?: string;
  readonly demoUsers: readonly DemoUser[];
  /** The user-pool group both demo users are in: their team folder is `groups/{demoGroup}/`. */
  readonly demoGroup: string;
  /** With a session store only: its table and the key its data keys come from. */
  readonly sessionTable?: string;
  readonly sessionKey?: { readonly id: string; readonly arn: string };
}

/** The demo users' group, so a fresh start already has a team folder to show. */
const LOCAL_DEMO_GROUP = 'demo-team';

/** The stack's developer provider name is `user-files.{stackName}`; the local stack's name is `local`. */
export const LOCAL_DEVELOPER_PROVIDER_NAME = 'user-files.local';

/**
 * A fresh password per run that meets the pool's policy: demo users never share a known password,
 * even on loopback.
 */
function demoPassword(): string {
  return `Demo-${randomBytes(9).toString('base64url')}-7a`;
}

export async function bootstrap(options: BootstrapOptions): Promise<BootstrapResult> {
  const { region, endpoints, adminCredentials } = options;
  const bucketName = options.bucketName ?? 'user-files-local';
  const identityDirectoryTable = options.identityDirectoryTable ?? 'user-files-local-identity-directory';
  const idp = new CognitoIdentityProviderClient({
    region,
    endpoint: endpoints.userPool,
    credentials: adminCredentials,
  });
  // The bucket is created in moto itself (the S3 gateway serves identity credentials only); moto
  // checks no signatures, and the socket's directory admits only this user.
  const s3 = new S3Client({
    region,
    endpoint: 'http://127.0.0.1',
    forcePathStyle: true,
    credentials: adminCredentials,
    requestHandler: { httpAgent: options.motoAgent },
  });
  const dynamo = new DynamoDBClient({ region, endpoint: endpoints.dynamodb, credentials: adminCredentials });
  const kms = new KMSClient({ region, endpoint: endpoints.kms, credentials: adminCredentials });
  try {
    await createIdTable(dynamo, identityDirectoryTable);
    if (options.ledgerTable !== undefined) await createLedgerTable(dynamo, options.ledgerTable);
    const sessions =
      options.sessionTable === undefined ? {} : await createSessionStore(dynamo, kms, options.sessionTable);
    const pool = await createUserPool(idp);
    await createBucket(s3, bucketName, options.allowedOrigins);
    const identity = createIdentityPool(options, bucketName, pool);
    return { ...pool, ...identity, ...sessions, bucketName, identityDirectoryTable };
  } finally {
    idp.destroy();
    s3.destroy();
    dynamo.destroy();
    kms.destroy();
  }
}

/**
 * The session store as the stack deploys it: a table keyed by session `id` whose items expire at
 * `expiresAt`, and a symmetric key with yearly rotation on.
 */
async function createSessionStore(dynamo: DynamoDBClient, kms: KMSClient, tableName: string) {
  await createIdTable(dynamo, tableName);
  await enableTtl(dynamo, tableName);
  const created = await kms.send(
    new CreateKeyCommand({
      Description: 'user-files-local session store',
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeySpec: 'SYMMETRIC_DEFAULT',
    }),
  );
  const id = created.KeyMetadata?.KeyId;
  const arn = created.KeyMetadata?.Arn;
  if (!id || !arn) throw new Error('moto returned no key ID');
  await kms.send(new EnableKeyRotationCommand({ KeyId: id }));
  return { sessionTable: tableName, sessionKey: { id, arn } };
}

/** A table with a string partition key `id`, billed per request (the directory, the sessions). */
async function createIdTable(dynamo: DynamoDBClient, tableName: string): Promise<void> {
  await dynamo.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}

/** The stack's user pool and app client, with two demo users of fresh passwords, both in the demo group. */
async function createUserPool(idp: CognitoIdentityProviderClient) {
  const pool = await idp.send(
    new CreateUserPoolCommand({
      PoolName: 'user-files-local',
      Policies: {
        PasswordPolicy: {
          MinimumLength: 12,
          RequireUppercase: true,
          RequireLowercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
          TemporaryPasswordValidityDays: 3,
        },
      },
      // As deployed (`signInAliases: { email: true }`): users sign in with their email address,
      // and `cognito:username` is a generated UUID.
      UsernameAttributes: ['email'],
      AutoVerifiedAttributes: ['email'],
      Schema: [{ Name: 'email', AttributeDataType: 'String', Required: true, Mutable: true }],
    }),
  );
  const userPoolId = pool.UserPool?.Id;
  if (!userPoolId) throw new Error('moto returned no user pool ID');
  const client = await idp.send(
    new CreateUserPoolClientCommand({
      UserPoolId: userPoolId,
      ClientName: 'user-files-local-app',
      GenerateSecret: false,
      ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      // As a deployed client reads every attribute by default: the ID token carries `email` and
      // `email_verified`, the name others see (moto puts only the listed ones in the token).
      ReadAttributes: ['email', 'email_verified'],
      PreventUserExistenceErrors: 'ENABLED',
    }),
  );
  const userPoolClientId = client.UserPoolClient?.ClientId;
  if (!userPoolClientId) throw new Error('moto returned no app client ID');
  const demoUsers: DemoUser[] = ['alice@example.com', 'bob@example.com'].map((username) => ({
    username,
    password: demoPassword(),
  }));
  await Promise.all(demoUsers.map((user) => createPoolUser(idp, userPoolId, user)));
  await createDemoGroup(idp, userPoolId, demoUsers);
  return { userPoolId, userPoolClientId, demoUsers, demoGroup: LOCAL_DEMO_GROUP };
}

/** The demo group with both demo users: their ID tokens carry it in `cognito:groups`. */
async function createDemoGroup(
  idp: CognitoIdentityProviderClient,
  userPoolId: string,
  members: readonly DemoUser[],
): Promise<void> {
  await idp.send(
    new CreateGroupCommand({
      UserPoolId: userPoolId,
      GroupName: LOCAL_DEMO_GROUP,
      Description: "The demo users' team folder, groups/demo-team/",
    }),
  );
  for (const user of members) {
    await idp.send(
      new AdminAddUserToGroupCommand({
        UserPoolId: userPoolId,
        GroupName: LOCAL_DEMO_GROUP,
        Username: user.username,
      }),
    );
  }
}

/** The files bucket with the stack's CORS rule (see lib/files-bucket.ts). */
async function createBucket(s3: S3Client, bucketName: string, allowedOrigins: readonly string[]) {
  await s3.send(new CreateBucketCommand({ Bucket: bucketName }));
  await s3.send(
    new PutBucketCorsCommand({
      Bucket: bucketName,
      CORSConfiguration: {
        CORSRules: [
          {
            AllowedOrigins: [...allowedOrigins],
            AllowedMethods: ['GET', 'PUT', 'HEAD'],
            AllowedHeaders: ['*'],
            ExposeHeaders: ['ETag', 'x-amz-checksum-sha256'],
            MaxAgeSeconds: 3600,
          },
        ],
      },
    }),
  );
}

export const LOCAL_AUTHENTICATED_ROLE_ARN = 'arn:aws:iam::000000000000:role/user-files-local-authenticated';
export const LOCAL_UNAUTHENTICATED_ROLE_ARN =
  'arn:aws:iam::000000000000:role/user-files-local-unauthenticated';

/**
 * What CreateIdentityPool + SetIdentityPoolRoles do in the stack: per access mode a developer
 * provider alone (sealed) or the user pool's app client (direct); the authenticated role with the
 * builder's policy, the stack's trust policy and maximum session duration; with guest access, the
 * unauthenticated role likewise, and unauthenticated identities allowed.
 */
function createIdentityPool(
  options: BootstrapOptions,
  bucketName: string,
  pool: { readonly userPoolId: string; readonly userPoolClientId: string },
) {
  const { region } = options;
  const sealed = (options.accessMode ?? 'sealed') === 'sealed';
  const guests = options.guestAccess ?? false;
  const identityPoolId = `${region}:${randomUUID()}`;
  const bucketArn = `arn:aws:s3:::${bucketName}`;
  const role = (arn: string, policy: PolicyDocument, kind: IdentityKind) =>
    poolRole(arn, policy, identityPoolId, kind, options.sessionDurationSeconds ?? 43_200);
  const identityPool = options.store.createIdentityPool({
    id: identityPoolId,
    name: 'user_files_local',
    region,
    providers: sealed
      ? []
      : [{ providerName: cognitoProviderName(region, pool.userPoolId), clientId: pool.userPoolClientId }],
    ...(sealed ? { developerProviderName: LOCAL_DEVELOPER_PROVIDER_NAME } : {}),
    authenticatedRole: role(
      LOCAL_AUTHENTICATED_ROLE_ARN,
      buildAuthenticatedRolePolicy({
        bucketArn,
        ...(options.policyIdentityVariable ? { identityVariable: options.policyIdentityVariable } : {}),
      }),
      'authenticated',
    ),
    ...(guests
      ? {
          unauthenticatedRole: role(
            LOCAL_UNAUTHENTICATED_ROLE_ARN,
            buildUnauthenticatedRolePolicy({ bucketArn }),
            'unauthenticated',
          ),
          allowUnauthenticatedIdentities: true,
        }
      : {}),
  });
  return {
    identityPoolId: identityPool.id,
    authenticatedRoleArn: LOCAL_AUTHENTICATED_ROLE_ARN,
    ...(guests ? { unauthenticatedRoleArn: LOCAL_UNAUTHENTICATED_ROLE_ARN } : {}),
    ...(sealed ? { developerProviderName: LOCAL_DEVELOPER_PROVIDER_NAME } : {}),
  };
}

/**
 * One role of the identity pool, trusted (as the stack trusts it) by tokens of its own kind only;
 * the authenticated role also lets those tokens tag the session (their groups), a guest's none.
 */
function poolRole(
  arn: string,
  policy: PolicyDocument,
  identityPoolId: string,
  kind: IdentityKind,
  maxSessionDurationSeconds: number,
): PoolRole {
  return {
    arn,
    policy,
    trustPolicy: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: COGNITO_IDENTITY_PRINCIPAL },
          Action:
            kind === 'authenticated' ? [...AUTHENTICATED_TRUST_ACTIONS] : 'sts:AssumeRoleWithWebIdentity',
          Condition: roleTrustConditions(identityPoolId, kind),
        },
      ],
    },
    maxSessionDurationSeconds,
  };
}

/** The stack's ledger table: `pk` (owner) and `sk` (item kind and key), with TTL on `expiresAt`. */
async function createLedgerTable(dynamo: DynamoDBClient, tableName: string): Promise<void> {
  await dynamo.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await enableTtl(dynamo, tableName);
}

/** Items expire at their `expiresAt` (epoch seconds), as both TTL tables are deployed. */
async function enableTtl(dynamo: DynamoDBClient, tableName: string): Promise<void> {
  await dynamo.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    }),
  );
}

/**
 * Creates a confirmed user of a pool that signs in by email (as the deployed one does), with a
 * permanent password, so the first sign-in gets tokens rather than a NEW_PASSWORD_REQUIRED challenge.
 */
export async function createPoolUser(
  idp: CognitoIdentityProviderClient,
  userPoolId: string,
  user: DemoUser,
): Promise<void> {
  await idp.send(
    new AdminCreateUserCommand({
      UserPoolId: userPoolId,
      Username: user.username,
      MessageAction: 'SUPPRESS',
      UserAttributes: [
        { Name: 'email', Value: user.username },
        { Name: 'email_verified', Value: 'true' },
      ],
    }),
  );
  await idp.send(
    new AdminSetUserPasswordCommand({
      UserPoolId: userPoolId,
      Username: user.username,
      Password: user.password,
      Permanent: true,
    }),
  );
}
