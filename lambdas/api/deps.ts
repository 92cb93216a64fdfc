/**
 * What the routes depend on, and the real wiring: one Cognito and one STS client, one identity service and one
 * storage adapter (with their caches) per Lambda instance, plus the session store and its KMS client
 * when one is configured. Tests and benchmarks call `createDeps` again for a fresh instance,
 * substituting the clock, the AWS clients, retries or the logger.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { CognitoIdentityClient } from '@aws-sdk/client-cognito-identity';
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { STSClient } from '@aws-sdk/client-sts';
import {
  createCognitoIdentityClient,
  createIdentityService,
  createStsClient,
  type IdentityService,
} from '../aws/identity';
import { createDirectoryClient, createIdentityDirectory } from '../aws/identity-directory';
import { createLedger, createLedgerClient, type Ledger } from '../aws/ledger';
import { createPeople, type People } from '../aws/people';
import { createQuotas, type Quotas } from '../aws/quota';
import type { RetryOptions } from '../aws/retry';
import { createSessionKeyClient, createSessionStore, type SessionStore } from '../aws/session-store';
import { createGuestIdentityRecord, type GuestIdentityRecord } from '../aws/session-store/guest-identity';
import { createStorage, type Storage } from '../aws/storage';
import { createUserPool, createUserPoolClient, type UserPool } from '../aws/user-pool';
import { createLogger } from '../logging';
import type { Config } from './config';

export interface AppDeps {
  readonly config: Config;
  /** Wall clock in epoch ms: what a redirect's cache lifetime is measured from. */
  readonly now: () => number;
  readonly identity: IdentityService;
  readonly storage: Storage;
  /** The user pool: whom a share or a lookup names, and a group's members. */
  readonly userPool: UserPool;
  /** Who identities are, by name, as the function recorded them (the names on shares). */
  readonly people: People;
  readonly logger: Logger;
  /** The usage ledger and quotas, when `config.ledgerTable` is set. */
  readonly ledger?: Ledger;
  readonly quotas?: Quotas;
}

export interface DepsOptions {
  /** Wall clock in epoch ms. @default Date.now */
  readonly now?: () => number;
  readonly cognitoClient?: CognitoIdentityClient;
  readonly stsClient?: STSClient;
  readonly userPoolClient?: CognitoIdentityProviderClient;
  /** The identity directory's and session store's client, when their tables are set. */
  readonly dynamoClient?: DynamoDBClient;
  /** The session store's KMS client, when `config.sessionTable` is set. */
  readonly kmsClient?: KMSClient;
  /** The ledger's client, when `config.ledgerTable` is set. @default `dynamoClient` or a new one */
  readonly ledgerClient?: DynamoDBClient;
  readonly retry?: RetryOptions;
  readonly logger?: Logger;
  readonly s3ClientConfig?: Partial<S3ClientConfig>;
  /** Stop serving cached credentials this long before they expire. @default 300000 */
  readonly refreshMarginMs?: number;
}

/** The fleet-wide session store, when the configuration names its table (and so its key). */
function sessionStoreFor(
  config: Config,
  options: DepsOptions & { readonly now: () => number; readonly logger: Logger },
  dynamo: () => DynamoDBClient,
): SessionStore | undefined {
  if (config.sessionTable === undefined || config.sessionKeyId === undefined) return undefined;
  return createSessionStore({
    dynamo: dynamo(),
    kms: options.kmsClient ?? createSessionKeyClient(config.region),
    tableName: config.sessionTable,
    keyId: config.sessionKeyId,
    now: options.now,
    ...(options.refreshMarginMs === undefined ? {} : { refreshMarginMs: options.refreshMarginMs }),
    // The reason and the error's name only (the store never passes more): the request mints instead.
    log: (message, warning) => options.logger.warn(message, { ...warning }),
  });
}

/** Where the fleet shares its guest identity: the session store's table, when there is one. */
function guestIdentityFor(config: Config, dynamo: () => DynamoDBClient): GuestIdentityRecord | undefined {
  if (config.sessionTable === undefined) return undefined;
  return createGuestIdentityRecord({
    dynamo: dynamo(),
    tableName: config.sessionTable,
    identityPoolId: config.identityPoolId,
  });
}

/** The identity service of this deployment's mode, with the instance's clients, directory and store. */
function identityServiceFor(
  config: Config,
  options: DepsOptions,
  parts: {
    readonly now: () => number;
    readonly logger: Logger;
    readonly dynamo: () => DynamoDBClient;
    readonly directory: ReturnType<typeof createIdentityDirectory> | undefined;
    readonly sessionStore: ReturnType<typeof sessionStoreFor>;
  },
) {
  const { now, logger, dynamo, directory, sessionStore } = parts;
  return createIdentityService({
    mode: config.accessMode,
    client: options.cognitoClient ?? createCognitoIdentityClient(config.region),
    sts: options.stsClient ?? createStsClient(config.region),
    roleArn: config.authenticatedRoleArn,
    ...(config.unauthenticatedRoleArn === undefined
      ? {}
      : {
          unauthenticatedRoleArn: config.unauthenticatedRoleArn,
          guestIdentity: guestIdentityFor(config, dynamo),
        }),
    sessionDurationSeconds: config.sessionDurationSeconds,
    ...(config.developerProviderName ? { developerProviderName: config.developerProviderName } : {}),
    userPoolId: config.userPoolId,
    identityPoolId: config.identityPoolId,
    loginsKey: config.loginsKey,
    now,
    retry: options.retry,
    refreshMarginMs: options.refreshMarginMs,
    directory,
    sessionStore,
    // The error's name only: the request goes on with GetId, and nothing of the caller is logged.
    onDirectoryError: (operation, error) =>
      logger.warn('identity directory unavailable', {
        operation,
        error: error instanceof Error ? error.name : 'unknown',
      }),
  });
}

export function createDeps(config: Config, options: DepsOptions = {}): AppDeps {
  const now = options.now ?? Date.now;
  const logger = options.logger ?? createLogger();
  // One DynamoDB client per instance for the directory and the session store (short timeouts).
  let dynamoClient = options.dynamoClient;
  const dynamo = () => {
    dynamoClient ??= createDirectoryClient(config.region);
    return dynamoClient;
  };
  const table = config.identityDirectoryTable;
  // Sealed mode never resolves an identity through the directory: the developer login yields it.
  const directory =
    table === undefined || config.accessMode === 'sealed'
      ? undefined
      : createIdentityDirectory({ client: dynamo(), tableName: table });
  const sessionStore = sessionStoreFor(config, { ...options, now, logger }, dynamo);
  const ledger =
    config.ledgerTable === undefined
      ? undefined
      : createLedger({
          client: options.ledgerClient ?? options.dynamoClient ?? createLedgerClient(config.region),
          tableName: config.ledgerTable,
          now,
        });
  return {
    config,
    now,
    ...(ledger
      ? { ledger, quotas: createQuotas({ ledger, quota: config.quota, groupQuota: config.groupQuota, now }) }
      : {}),
    people: createPeople({
      ...(ledger ? { ledger } : {}),
      now,
      // The error's name only: the request goes on without the name.
      onError: (operation, error) =>
        logger.warn('names unavailable', {
          operation,
          error: error instanceof Error ? error.name : 'unknown',
        }),
    }),
    identity: identityServiceFor(config, options, { now, logger, dynamo, directory, sessionStore }),
    userPool: createUserPool({
      client: options.userPoolClient ?? createUserPoolClient(config.region),
      userPoolId: config.userPoolId,
      retry: options.retry,
    }),
    storage: createStorage({
      bucket: config.bucketName,
      region: config.region,
      now,
      clientConfig: options.s3ClientConfig,
    }),
    logger,
  };
}
