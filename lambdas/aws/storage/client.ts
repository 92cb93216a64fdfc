/**
 * The identity's S3 clients and whether storage still accepts their credentials: one client per
 * identity (LRU-bounded, rebuilt when its credentials are refreshed), the record of when storage
 * last accepted each credential set, and the periodic check that keeps presign-only routes from
 * signing with credentials storage has dropped. The endpoint comes from the SDK's standard
 * configuration (`AWS_ENDPOINT_URL_S3`).
 */
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { LRUCache } from 'lru-cache';
import { ownerPrefix } from '../../../shared/domain/keys';
import { isRejectedCredentials } from '../errors';
import type { IdentityCredentials, IdentitySession } from '../identity';
import type { Storage, StorageOptions } from './types';

/**
 * Request timeouts for S3 calls; the SDK's standard retries (3 attempts) apply on top. The timeout
 * must throw (see COGNITO_TIMEOUTS): by default the SDK only warns and keeps waiting.
 */
export const S3_TIMEOUTS = {
  connectionTimeout: 1_000,
  requestTimeout: 3_000,
  throwOnRequestTimeout: true,
} as const;

/** What every operation family shares: the bucket, the clock and the caller's client. */
export interface StorageContext {
  readonly bucket: string;
  readonly now: () => number;
  /** The identity's client for exactly these credentials. */
  clientFor(session: IdentitySession): S3Client;
  /** Storage just accepted the session's credentials: the next check can wait a full interval. */
  accepted(session: IdentitySession): void;
}

export type StorageSessions = StorageContext & Pick<Storage, 'checkCredentials'>;

type ClientFor = StorageContext['clientFor'];

function createClientCache(options: StorageOptions): ClientFor {
  // No dispose hook: an evicted client may still be serving a concurrent request (the local stack
  // runs requests concurrently), so it is left to the garbage collector rather than destroyed.
  const clients = new LRUCache<string, { client: S3Client; credentials: IdentityCredentials }>({
    max: options.maxClients ?? 200,
  });
  return (session) => {
    const cached = clients.get(session.identityId);
    if (cached !== undefined && cached.credentials === session.credentials) return cached.client;
    const { accessKeyId, secretAccessKey, sessionToken, expiration } = session.credentials;
    const client = new S3Client({
      region: options.region,
      credentials: { accessKeyId, secretAccessKey, sessionToken, expiration },
      // Checksums only when we ask for one: otherwise the SDK would add a CRC32 to presigned PUTs
      // that the uploader cannot know.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: S3_TIMEOUTS,
      ...options.clientConfig,
    });
    clients.set(session.identityId, { client, credentials: session.credentials });
    return client;
  };
}

export function createStorageSessions(options: StorageOptions): StorageSessions {
  const now = options.now ?? Date.now;
  const { bucket } = options;
  const clientFor = createClientCache(options);
  const checkIntervalMs = options.credentialCheckIntervalMs ?? 300_000;
  // When storage last accepted each credential set (epoch ms), and checks in flight: keyed by the
  // credentials object, so a refreshed set starts afresh and dropped sets are collected.
  const acceptedAt = new WeakMap<IdentityCredentials, number>();
  const checking = new WeakMap<IdentityCredentials, Promise<void>>();
  const accepted = (session: IdentitySession) => {
    acceptedAt.set(session.credentials, now());
  };

  async function check(session: IdentitySession): Promise<void> {
    try {
      await clientFor(session).send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: ownerPrefix('private', session.identityId),
          MaxKeys: 1,
        }),
      );
      accepted(session);
    } catch (error) {
      // Only a rejection of the credentials matters here; anything else (storage slow or failing)
      // must not fail a route that does not need storage, and is checked again next time.
      if (isRejectedCredentials(error)) throw error;
    }
  }

  async function checkCredentials(session: IdentitySession): Promise<void> {
    const { credentials } = session;
    const last = acceptedAt.get(credentials) ?? credentials.obtainedAt;
    if (now() - last < checkIntervalMs) return;
    let pending = checking.get(credentials);
    if (pending === undefined) {
      pending = check(session).finally(() => checking.delete(credentials));
      checking.set(credentials, pending);
    }
    await pending;
  }

  return { bucket, now, clientFor, accepted, checkCredentials };
}
