/**
 * The whole system on loopback: moto (user pool, raw storage, identity directory) on a private Unix
 * socket, and in front of it the only ways in, each checking callers as AWS does: the user-pool
 * gateway, the identity pool service, the S3 gateway that enforces SigV4 and the role policy, and
 * the DynamoDB gateway; then the bootstrap that creates what `cdk deploy` would, and the API Gateway
 * adapter invoking the deployed handler in process.
 * Used by `npm start` and by the e2e suite; `outputs` has the deployed stack's output names.
 */

import type { JsonWebKey } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { createLedger } from '../../lambdas/aws/ledger';
import { loadEventsConfig } from '../../lambdas/events/config';
import { createEventsHandler } from '../../lambdas/events/process';
import { type AccessMode, readEnvironment, writeEnvironment } from '../../shared/contract/environment';
import type { PolicyDocument } from '../../shared/policy/access-policy';
import { buildEventsFunctionPolicy } from '../../shared/policy/events-policy';
import type { ApiAdapterOptions, LambdaProxyHandler } from '../apigateway/adapter';
import { startApiAdapter } from '../apigateway/adapter';
import { startIdentityService } from '../cognito-identity/service';
import { startUserPoolGateway } from '../cognito-idp/gateway';
import type { StaticCredentials } from '../core/aws-json';
import { createCredentialStore } from '../core/credential-store';
import { startDynamoDbGateway } from '../dynamodb/gateway';
import { startMoto } from '../moto/moto';
import { type StorageWrite, startS3Gateway } from '../s3/gateway';
import {
  type DeliveryFaults,
  faultsFromEnv,
  type StorageEvents,
  startStorageEvents,
} from '../storage-events/delivery';
import { startStsService } from '../sts/service';
import type { SessionCredentials } from './admin-keys';
import { bootstrap, type DemoUser } from './bootstrap';
import { LOOPBACK } from './ports';

export interface LocalStackPorts {
  /** The API (API Gateway adapter). 0 or omitted: a free port. */
  readonly api?: number;
  /** The user pool endpoint (the gateway in front of moto's cognito-idp). */
  readonly userPool?: number;
  /** The Cognito Identity endpoint. */
  readonly identity?: number;
  /** The S3 endpoint (the gateway). */
  readonly s3?: number;
  /** The DynamoDB endpoint (the gateway in front of the identity directory and ledger tables). */
  readonly dynamodb?: number;
  /** The STS endpoint. */
  readonly sts?: number;
}

export type { AccessMode } from '../../shared/contract/environment';

export interface LocalStackOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  readonly ports?: LocalStackPorts;
  /** Browser origins for the API's and the bucket's CORS. @default DEFAULT_ALLOWED_ORIGINS */
  readonly allowedOrigins?: readonly string[];
  /** @default 'us-east-1' */
  readonly region?: string;
  /** Keep the parts' request logs (and the handler's access log) off the console. @default false */
  readonly quiet?: boolean;
  /** Serve the API (importing the handler). A storage-only stack skips it. @default true */
  readonly api?: boolean;
  /**
   * Only for mutation tests: the identity variable of the role policy (`*` breaks isolation on
   * purpose). Never set by `npm start`. @default the real `${cognito-identity.amazonaws.com:sub}`
   */
  readonly policyIdentityVariable?: string;
  /** `UPLOAD_RULES` for the handler (JSON, see `UploadRulesSchema`). @default `process.env.UPLOAD_RULES` */
  readonly uploadRules?: string;
  /** As the stack's `accessMode` (README "Access modes"). @default 'sealed' */
  readonly accessMode?: AccessMode;
  /** The function's STS sessions and the role's maximum. @default 43200 (12 h) */
  readonly sessionDurationSeconds?: number;
  /** Per-user quota for both functions. @default `QUOTA_BYTES` / `QUOTA_OBJECTS` from the environment (none) */
  readonly quota?: { readonly bytes?: number; readonly objects?: number };
  /** How storage events are delivered. @default `EVENTS_DUPLICATE` / `EVENTS_REORDER` / `EVENTS_DELAY_MS` (none) */
  readonly eventFaults?: DeliveryFaults;
  /** The API's per-user request limit (see `ApiAdapterOptions`); `false` for none. @default the adapter's */
  readonly userRateLimit?: ApiAdapterOptions['userRateLimit'];
}

/** The deployed stack's outputs, plus the local endpoints and the demo users. */
export interface LocalStackOutputs {
  readonly Region: string;
  readonly UserPoolId: string;
  readonly UserPoolClientId: string;
  readonly IdentityPoolId: string;
  readonly BucketName: string;
  /** Empty when the stack was started with `api: false`. */
  readonly ApiUrl: string;
  readonly CognitoIdpEndpoint: string;
  readonly CognitoIdentityEndpoint: string;
  readonly S3Endpoint: string;
  readonly DynamoDbEndpoint: string;
  readonly StsEndpoint: string;
  readonly AccessMode: AccessMode;
  /** The usage ledger (the audit reads it with the admin keys). */
  readonly LedgerTable: string;
  readonly DemoUsers: readonly DemoUser[];
}

export interface LocalStack {
  readonly outputs: LocalStackOutputs;
  /**
   * The stack's admin keys, generated at start and never written anywhere: the only ones the user
   * pool's IAM-authorized operations (AdminCreateUser, ...) and table management accept.
   */
  readonly adminCredentials: StaticCredentials;
  /** The private key (JWK) the user pool signs its tokens with, generated at start; for tests. */
  readonly userPoolSigningKey: JsonWebKey;
  /**
   * The function's own credentials (its role, in AWS): the only ones that may call
   * `GetOpenIdTokenForDeveloperIdentity`. New on every start; never written to the outputs.
   */
  readonly functionCredentials: StaticCredentials;
  /** Sealed mode: the identity pool's developer provider name. */
  readonly developerProviderName?: string;
  readonly authenticatedRoleArn: string;
  /** The bucket's event delivery to the events function: `drain()` waits until it is idle. */
  readonly events: StorageEvents;
  /**
   * Read-only credentials for `npm run audit`: `s3:ListBucket` on the bucket and nothing else (the
   * ledger it reads with the admin keys). Issued at start, valid while the stack runs.
   */
  readonly auditCredentials: SessionCredentials;
  /** Stops every part, moto's process included; safe to call more than once. */
  stop(): Promise<void>;
}

export const DEFAULT_ALLOWED_ORIGINS: readonly string[] = ['http://localhost:5173', 'http://localhost:3000'];

/** The handler's configuration, fixed at its import: one per process (see `loadHandler`). */
let handlerEnvironment: string | undefined;

/**
 * Sets the handler's environment, exactly the variables the deployed function gets plus the
 * standard endpoint overrides, then imports the deployed entry point. The handler parses its
 * configuration once at import (as a Lambda instance does at init), so a process can only serve one
 * configuration; asking for another is refused instead of silently reusing stale endpoints.
 */
async function loadHandler(environment: Record<string, string>): Promise<LambdaProxyHandler> {
  const key = JSON.stringify(environment);
  if (handlerEnvironment !== undefined && handlerEnvironment !== key) {
    throw new Error(
      "The handler is already loaded in this process with another local stack's configuration; start a second stack with `api: false` or in another process.",
    );
  }
  Object.assign(process.env, environment);
  handlerEnvironment = key;
  const module = await import('../../lambdas/api/handler');
  return module.handler as unknown as LambdaProxyHandler;
}

/**
 * What a deployer sets for both functions: the options, else `npm start`'s own environment, read
 * by the contract's parsers so a bad value stops the start with the message a function would give.
 */
function deploymentSettings(options: LocalStackOptions, env = process.env) {
  const read = readEnvironment(
    [
      'maxUploadBytes',
      'uploadRules',
      'quotaBytes',
      'quotaObjects',
      'defaultUrlLifetimeSeconds',
      'maxUrlLifetimeSeconds',
    ],
    { ...env, ...(options.uploadRules === undefined ? {} : { UPLOAD_RULES: options.uploadRules }) },
  );
  if (options.quota === undefined) return read;
  return { ...read, quotaBytes: options.quota.bytes, quotaObjects: options.quota.objects };
}

/** The audit credential outlives any realistic `npm start` session (a year). */
const AUDIT_CREDENTIALS_LIFETIME_SECONDS = 365 * 24 * 3600;

/** What `npm run audit` may do in the bucket: list it, nothing more. */
export function buildAuditPolicy(bucketArn: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [{ Sid: 'ListForAudit', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [bucketArn] }],
  };
}

/** Random long-lived keys in AWS's shape (an access key ID of 20 characters, a 40-character secret). */
function generateCredentials(): StaticCredentials {
  return {
    accessKeyId: `AKIA${randomBytes(10).toString('hex').toUpperCase().slice(0, 16)}`,
    secretAccessKey: randomBytes(30).toString('base64'),
  };
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const host = options.host ?? LOOPBACK;
  const region = options.region ?? 'us-east-1';
  const ports = options.ports ?? {};
  const allowedOrigins = options.allowedOrigins ?? DEFAULT_ALLOWED_ORIGINS;
  const log = options.quiet ? undefined : (line: string) => console.log(line);
  const accessMode = options.accessMode ?? 'sealed';
  const sessionDurationSeconds = options.sessionDurationSeconds ?? 43_200;

  // Everything started so far, stopped in reverse order on failure or stop().
  const stops: (() => Promise<void>)[] = [];
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const errors: unknown[] = [];
      for (const close of stops.reverse()) {
        await close().catch((error: unknown) => errors.push(error));
      }
      if (errors.length > 0) throw new AggregateError(errors, 'the local stack did not stop cleanly');
    })();
    return stopping;
  };

  try {
    const store = createCredentialStore();
    const adminCredentials = generateCredentials();
    const functionCredentials = generateCredentials();
    const eventsCredentials = generateCredentials();
    const identityDirectoryTable = 'user-files-local-identity-directory';
    const ledgerTable = 'user-files-local-ledger';
    // The gateway starts before the events function exists (it needs the bucket and endpoints).
    let events: StorageEvents | undefined;
    const onEvent = (write: StorageWrite) => events?.onEvent(write);
    const moto = await startMoto();
    stops.push(() => moto.close());

    const principals = {
      admin: adminCredentials,
      function: functionCredentials,
      events: eventsCredentials,
      store,
    };
    // Set once the bootstrap has created the pool: the function may look up its users only.
    let functionUserPoolId: string | undefined;
    const userPool = await startUserPoolGateway({
      host,
      port: ports.userPool ?? 0,
      moto,
      principals,
      region,
      functionUserPoolId: () => functionUserPoolId,
      ...(log ? { log } : {}),
    });
    stops.push(() => userPool.close());
    const [identity, s3, dynamodb] = await Promise.all([
      startIdentityService({
        host,
        port: ports.identity ?? 0,
        store,
        region,
        // The pools' public keys, as any client fetches them: through the user pool's front door.
        userPoolEndpoint: userPool.url,
        developerCredentials: functionCredentials,
        ...(log ? { log } : {}),
      }),
      startS3Gateway({
        host,
        port: ports.s3 ?? 0,
        store,
        // Only names the Host moto sees (an IP: path-style); the agent connects to moto's socket.
        upstream: `http://${LOOPBACK}`,
        upstreamAgent: moto.agent,
        region,
        onEvent,
        ...(log ? { log } : {}),
      }),
      startDynamoDbGateway({
        host,
        port: ports.dynamodb ?? 0,
        moto,
        principals,
        table: identityDirectoryTable,
        ledgerTable,
        region,
        ...(log ? { log } : {}),
      }),
    ]);
    stops.push(
      () => identity.close(),
      () => s3.close(),
      () => dynamodb.close(),
    );
    const sts = await startStsService({
      host,
      port: ports.sts ?? 0,
      store,
      openIdKey: identity.openIdKey,
      ...(log ? { log } : {}),
    });
    stops.push(() => sts.close());

    const created = await bootstrap({
      region,
      endpoints: { userPool: userPool.url, dynamodb: dynamodb.url },
      motoAgent: moto.agent,
      adminCredentials,
      identityDirectoryTable,
      ledgerTable,
      allowedOrigins,
      store,
      accessMode,
      sessionDurationSeconds,
      ...(options.policyIdentityVariable ? { policyIdentityVariable: options.policyIdentityVariable } : {}),
    });
    functionUserPoolId = created.userPoolId;

    const deployment = { bucketName: created.bucketName, ledgerTable, ...deploymentSettings(options) };
    // The events function: its configuration parsed as the deployed one parses its variables, its
    // DynamoDB calls signed with its own keys, its S3 calls with its role's credentials, authorized
    // by the gateway against the role policy the stack deploys.
    const eventsConfig = loadEventsConfig({ AWS_REGION: region, ...writeEnvironment(deployment) });
    const roleCredentials = store.issueRoleCredentials(
      'arn:aws:iam::000000000000:role/user-files-local-events',
      buildEventsFunctionPolicy(`arn:aws:s3:::${created.bucketName}`),
    );
    // The audit lists the whole bucket; it needs no object's bytes, so it gets ListBucket alone.
    const auditCredentials = store.issueRoleCredentials(
      'arn:aws:iam::000000000000:role/user-files-local-audit',
      buildAuditPolicy(`arn:aws:s3:::${created.bucketName}`),
      AUDIT_CREDENTIALS_LIFETIME_SECONDS,
    );
    const eventsDynamo = new DynamoDBClient({
      region,
      endpoint: dynamodb.url,
      credentials: eventsCredentials,
    });
    const eventsS3 = new S3Client({
      region,
      endpoint: s3.url,
      forcePathStyle: true,
      credentials: roleCredentials,
    });
    stops.push(async () => {
      eventsDynamo.destroy();
      eventsS3.destroy();
    });
    events = startStorageEvents({
      region,
      motoAgent: moto.agent,
      adminCredentials,
      faults: options.eventFaults ?? faultsFromEnv(process.env),
      handler: createEventsHandler({
        bucket: eventsConfig.bucketName,
        ledger: createLedger({ client: eventsDynamo, tableName: eventsConfig.ledgerTable }),
        s3: eventsS3,
        uploadRules: eventsConfig.uploadRules,
        quota: eventsConfig.quota,
        log: (message, fields) => log?.(`events: ${message} ${JSON.stringify(fields)}`),
      }),
    });
    const eventBus = events;
    stops.push(() => eventBus.close());

    let apiUrl = '';
    if (options.api ?? true) {
      const handler = await loadHandler({
        AWS_REGION: region,
        AWS_ENDPOINT_URL_COGNITO_IDENTITY: identity.url,
        AWS_ENDPOINT_URL_S3: s3.url,
        AWS_ENDPOINT_URL_STS: sts.url,
        // The function's own keys, as its role's credentials are in Lambda: they sign
        // GetOpenIdTokenForDeveloperIdentity (checked by the identity service) and the directory
        // calls (the DynamoDB gateway lets them GetItem/PutItem that table and nothing else).
        // Per-user S3 clients are built with the callers' credentials and never read these.
        AWS_ENDPOINT_URL_DYNAMODB: dynamodb.url,
        // AdminGetUser for sharing (the user pool's front door lets these keys call nothing else).
        AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: userPool.url,
        AWS_ACCESS_KEY_ID: functionCredentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: functionCredentials.secretAccessKey,
        // Overrides one inherited from the shell, which would not match these keys.
        AWS_SESSION_TOKEN: '',
        ...writeEnvironment({
          ...deployment,
          accessMode,
          authenticatedRoleArn: created.authenticatedRoleArn,
          sessionDurationSeconds,
          developerProviderName: created.developerProviderName,
          // Only direct mode resolves identities through the directory (as the stack wires it).
          identityDirectoryTable: accessMode === 'direct' ? created.identityDirectoryTable : undefined,
          userPoolId: created.userPoolId,
          userPoolClientIds: [created.userPoolClientId],
          identityPoolId: created.identityPoolId,
          allowedOrigins,
        }),
        ...(options.quiet ? { POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL || 'WARN' } : {}),
      });
      const api = await startApiAdapter({
        host,
        port: ports.api ?? 0,
        handler,
        userPoolId: created.userPoolId,
        region,
        userPoolEndpoint: userPool.url,
        allowedOrigins,
        ...(options.userRateLimit === undefined ? {} : { userRateLimit: options.userRateLimit }),
      });
      stops.push(() => api.close());
      apiUrl = api.url;
    }

    return {
      outputs: {
        Region: region,
        UserPoolId: created.userPoolId,
        UserPoolClientId: created.userPoolClientId,
        IdentityPoolId: created.identityPoolId,
        BucketName: created.bucketName,
        ApiUrl: apiUrl,
        CognitoIdpEndpoint: userPool.url,
        CognitoIdentityEndpoint: identity.url,
        S3Endpoint: s3.url,
        DynamoDbEndpoint: dynamodb.url,
        StsEndpoint: sts.url,
        AccessMode: accessMode,
        LedgerTable: ledgerTable,
        DemoUsers: created.demoUsers,
      },
      events: eventBus,
      adminCredentials,
      auditCredentials: {
        accessKeyId: auditCredentials.accessKeyId,
        secretAccessKey: auditCredentials.secretAccessKey,
        sessionToken: auditCredentials.sessionToken,
      },
      userPoolSigningKey: {
        ...moto.signingKey.export({ format: 'jwk' }),
        kid: moto.signingKeyId,
        alg: 'RS256',
      },
      functionCredentials,
      authenticatedRoleArn: created.authenticatedRoleArn,
      ...(created.developerProviderName ? { developerProviderName: created.developerProviderName } : {}),
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
