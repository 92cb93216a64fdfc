/**
 * The fleet-wide session store, behind each instance's own cache: a DynamoDB table holding each
 * user's latest minted session, envelope-encrypted (KMS data keys, AES-256-GCM; see `sealing.ts`
 * and `data-keys.ts`), so an instance that has never seen a user serves them without Cognito or
 * STS. It is only ever a cache: `get` and `put` never fail (a failure is logged by its reason and
 * the caller mints as it would without a store); `delete` does, as it must be confirmed.
 */
import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { KMSClient, type KMSClientConfig } from '@aws-sdk/client-kms';
import { credentialsUsableUntil } from '../../../shared/domain/expiry';
import type { IdentityCredentials, IdentitySession } from '../identity/types';
import { createDataKeys } from './data-keys';
import { type GroupsKey, open, readItem, type SessionOwner, seal, sessionItemId } from './sealing';

export { type GroupsKey, type SessionOwner, sessionItemId };

/** A stored session wanted: the owner's, for that identity (direct mode), carrying those groups. */
export type Wanted = SessionOwner & { readonly identityId?: string; readonly groups?: GroupsKey };

export interface SessionStore {
  /**
   * The owner's stored session while it is usable (further off than the refresh margin), else
   * undefined. With `identityId` (direct mode), only a session for that identity is served.
   */
  get(owner: Wanted): Promise<IdentitySession | undefined>;
  /** Stores a session just minted for the owner (carrying `groups`), replacing theirs. */
  put(owner: SessionOwner, session: IdentitySession, groups?: GroupsKey): Promise<void>;
  /** Removes the owner's stored session. */
  delete(owner: SessionOwner): Promise<void>;
}

/** Why a stored session was not served or written: logged, never with any of its contents. */
export type SessionStoreWarning = { readonly reason: string; readonly error?: string };

export interface SessionStoreOptions {
  /** Created once per instance (`createDirectoryClient` suits: short timeouts). */
  readonly dynamo: DynamoDBClient;
  /** Created once per instance (see `createSessionKeyClient`). */
  readonly kms: KMSClient;
  readonly tableName: string;
  /** The KMS key (ID or ARN) data keys come from. */
  readonly keyId: string;
  readonly now?: () => number;
  /**
   * How long the fleet seals new items with one data key. Fewer, longer intervals mean fewer distinct keys a
   * session's lifetime spans, so fewer Decrypt calls per instance. @default 14400000 (4 h)
   */
  readonly dataKeyTtlMs?: number;
  /** Plaintext data keys kept per instance. @default 64 */
  readonly maxDataKeys?: number;
  /** The instance cache's refresh margin: sessions closer to expiry are not served. @default 300000 */
  readonly refreshMarginMs?: number;
  readonly log?: (message: string, warning: SessionStoreWarning) => void;
}

/**
 * The KMS client, once per instance: two attempts, and timeouts that end a hung call (a slow store
 * must cost less than the mint it saves). The endpoint comes from `AWS_ENDPOINT_URL_KMS` locally.
 */
export function createSessionKeyClient(region: string, overrides: Partial<KMSClientConfig> = {}): KMSClient {
  return new KMSClient({
    region,
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 300, requestTimeout: 1_000, throwOnRequestTimeout: true },
    ...overrides,
  });
}

const errorName = (error: unknown) => (error instanceof Error ? error.name : 'unknown');

export function createSessionStore(options: SessionStoreOptions): SessionStore {
  const { dynamo, tableName } = options;
  const now = options.now ?? Date.now;
  const marginMs = options.refreshMarginMs ?? 300_000;
  const keys = createDataKeys({
    kms: options.kms,
    dynamo,
    tableName,
    keyId: options.keyId,
    now,
    ttlMs: options.dataKeyTtlMs ?? 4 * 3_600_000,
    maxKeys: options.maxDataKeys ?? 64,
  });
  const warn = (reason: string, error?: unknown): undefined => {
    options.log?.('session store skipped', {
      reason,
      ...(error === undefined ? {} : { error: errorName(error) }),
    });
  };
  const usable = (credentials: IdentityCredentials) =>
    credentialsUsableUntil({
      expireAtMs: credentials.expiration.getTime(),
      obtainedAtMs: credentials.obtainedAt,
      marginMs,
    }) > now();

  async function read(owner: Wanted) {
    const output = await dynamo.send(
      new GetItemCommand({ TableName: tableName, Key: { id: { S: sessionItemId(owner) } } }),
    );
    if (output.Item === undefined) return undefined;
    const sealed = readItem(output.Item);
    if (sealed === undefined) return warn('malformed item');
    // Checked before any KMS call: an expired or another identity's session is no use.
    if (sealed.expiresAt * 1000 <= now()) return undefined;
    if (owner.identityId !== undefined && sealed.identityId !== owner.identityId)
      return warn('other identity');
    // Another token's groups: a miss, not a fault (the user's membership changed).
    if (sealed.groups !== (owner.groups ?? '')) return undefined;
    let plaintextKey: Buffer;
    try {
      plaintextKey = await keys.plaintextOf(sealed.encryptedKey);
    } catch (error) {
      return warn('data key unavailable', error);
    }
    let credentials: IdentityCredentials;
    try {
      credentials = open(owner, sealed, plaintextKey);
    } catch {
      return warn('item failed authentication');
    }
    return usable(credentials) ? { identityId: sealed.identityId, credentials } : undefined;
  }

  return {
    async get(owner) {
      try {
        return await read(owner);
      } catch (error) {
        return warn('read failed', error);
      }
    },
    async put(owner, session, groups) {
      try {
        const item = seal(owner, session.identityId, session.credentials, await keys.current(), groups);
        await dynamo.send(new PutItemCommand({ TableName: tableName, Item: item }));
      } catch (error) {
        warn('write failed', error);
      }
    },
    async delete(owner) {
      await dynamo.send(
        new DeleteItemCommand({ TableName: tableName, Key: { id: { S: sessionItemId(owner) } } }),
      );
    },
  };
}
