/**
 * The instance's caches, bounded: callers' identity IDs (they never change for a user) and minted
 * sessions until shortly before they expire. Both load single-flight, so concurrent requests of one
 * caller share one upstream call. `session` is where a session is looked up, else minted.
 */
import { ExpiringCache } from '../../../shared/cache/expiring-cache';
import { credentialsUsableUntil } from '../../../shared/domain/expiry';
import type { Minted } from './minting';
import type { Caller, IdentityServiceOptions } from './types';

export interface IdentityCaches {
  /** The cache key of a caller's identity ID. */
  identityKey(caller: Caller): string;
  /** Direct mode's session key: the caller's as well as the identity's (see `createIdentityCaches`). */
  credentialsKey(caller: Caller, identityId: string): string;
  /** The caller's identity ID, cached, else `resolve`d. */
  identityId(caller: Caller, resolve: () => Promise<string>): Promise<string>;
  /** Forgets the caller's identity ID, so the next request resolves it afresh. */
  forgetIdentity(caller: Caller): void;
  /** The session cached under `key` while still usable, else the one `mint` makes. */
  session(key: string, mint: () => Promise<Minted>): Promise<Minted>;
  /** A session `mint` makes now, replacing whatever `key` held. */
  renew(key: string, mint: () => Promise<Minted>): Promise<Minted>;
}

type CacheOptions = Pick<
  IdentityServiceOptions,
  'userPoolId' | 'maxIdentities' | 'maxCredentials' | 'refreshMarginMs'
> & { readonly now: () => number };

export function createIdentityCaches(options: CacheOptions): IdentityCaches {
  const { now, userPoolId } = options;
  const marginMs = options.refreshMarginMs ?? 300_000;
  const identities = new ExpiringCache<string, string>({ max: options.maxIdentities ?? 10_000, now });
  const sessions = new ExpiringCache<string, Minted>({
    max: options.maxCredentials ?? 1_000,
    now,
    expiresAt: (value) =>
      credentialsUsableUntil({
        expireAtMs: value.credentials.expiration.getTime(),
        obtainedAtMs: value.credentials.obtainedAt,
        marginMs,
      }),
  });
  const identityKey = (caller: Caller) => `${userPoolId}\0${caller.sub}`;
  return {
    identityKey,
    // Direct mode caches credentials per caller as well as per identity, so they are only ever
    // served to the token they were fetched with. Sealed mode derives the identity from the caller.
    credentialsKey: (caller, identityId) => `${identityKey(caller)}\0${identityId}`,
    identityId: (caller, resolve) => identities.get(identityKey(caller), resolve),
    forgetIdentity: (caller) => identities.delete(identityKey(caller)),
    session: (key, mint) => sessions.get(key, mint),
    renew: (key, mint) => sessions.refresh(key, mint),
  };
}
