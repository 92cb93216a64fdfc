/**
 * What the routes depend on, and the real wiring: one Cognito client, one identity service and one
 * storage adapter (with their caches) per Lambda instance. Tests and benchmarks call `createDeps`
 * again for a fresh instance, substituting the clock, the Cognito client, retries or the logger.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { CognitoIdentityClient } from '@aws-sdk/client-cognito-identity';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { createCognitoIdentityClient, createIdentityService, type IdentityService } from './aws/identity';
import type { RetryOptions } from './aws/retry';
import { createStorage, type Storage } from './aws/storage';
import type { Config } from './config';
import { createLogger } from './http/logging';

export interface AppDeps {
  readonly config: Config;
  readonly identity: IdentityService;
  readonly storage: Storage;
  readonly logger: Logger;
}

export interface DepsOptions {
  /** Wall clock in epoch ms. @default Date.now */
  readonly now?: () => number;
  readonly cognitoClient?: CognitoIdentityClient;
  readonly retry?: RetryOptions;
  readonly logger?: Logger;
  readonly s3ClientConfig?: Partial<S3ClientConfig>;
  /** Stop serving cached credentials this long before they expire. @default 300000 */
  readonly refreshMarginMs?: number;
}

export function createDeps(config: Config, options: DepsOptions = {}): AppDeps {
  const now = options.now ?? Date.now;
  return {
    config,
    identity: createIdentityService({
      client: options.cognitoClient ?? createCognitoIdentityClient(config.region),
      userPoolId: config.userPoolId,
      identityPoolId: config.identityPoolId,
      loginsKey: config.loginsKey,
      now,
      retry: options.retry,
      refreshMarginMs: options.refreshMarginMs,
    }),
    storage: createStorage({
      bucket: config.bucketName,
      region: config.region,
      now,
      clientConfig: options.s3ClientConfig,
    }),
    logger: options.logger ?? createLogger(),
  };
}
