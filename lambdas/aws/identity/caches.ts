/**
 * The instance's caches, bounded: callers' identity IDs (they never change for a user) and minted
 * sessions until shortly before they expire. Both load single-flight, so concurrent requests of one
 * caller share one upstream call. `session` is where a session is looked up (the instance cache,
 * then the fleet-wide session store when there is one), else minted.
 */
import { ExpiringCache } from '../../../shared/cache/expiring-cache';
import { credentialsUsableUntil } from '../../../shared/domain/expiry';
import type { GroupsKey, SessionOwner } from '../session-store';
import type { Minted } from './minting';
import type { Caller, IdentityServiceOptions } from './types';

/** Whose session is wanted, and how a new one is minted. */
export interface SessionSlot {
  readonly caller: Caller;
  /** Direct mode: the identity the session must be for. Sealed mode: learnt by minting. */
  readonly identityId?: string;
  /** The groups the session carries as tags (sealed mode): part of what it is cached and stored by. */
  readonly groups?: readonly string[];
  readonly mint: () => Promise<Minted>;
}

export interface IdentityCaches {
  /** The caller's identity ID, cached, else `resolve`d. */
  identityId(caller: Caller, resolve: () => Promise<string>): Promise<string>;
  /** Forgets the caller's identity ID, so the next request resolves it afresh. */
  forgetIdentity(caller: Caller): void;
  /** The slot's session cached while still usable, else the stored one, else the one it mints. */
  session(slot: SessionSlot): Promise<Minted>;
  /** A session the slot mints now, replacing whatever was cached and stored. */
  renew(slot: SessionSlot): Promise<Minted>;
}

type CacheOptions = Pick<
  IdentityServiceOptions,
  'userPoolId' | 'maxIdentities' | 'maxCredentials' | 'refreshMarginMs' | 'sessionStore'
> & { readonly now: () => number };

const groupsKey = (slot: SessionSlot): GroupsKey => (slot.groups ?? []).join(',');

export function createIdentityCaches(options: CacheOptions): IdentityCaches {
  const { now, userPoolId, sessionStore: store } = options;
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
  // Direct mode caches credentials per caller as well as per identity, so they are only ever
  // served to the token they were fetched with. Sealed mode derives the identity from the caller.
  // A session is cached per (user, groups it carries): a token with other groups gets another one.
  const sessionKey = (slot: SessionSlot) =>
    [identityKey(slot.caller), slot.identityId ?? '', groupsKey(slot)].join('\0');
  const owner = (slot: SessionSlot): SessionOwner => ({ userPoolId, sub: slot.caller.sub });

  // Only a real mint is stored: in direct mode, one the pool made with the caller's own token.
  async function mintAndStore(slot: SessionSlot): Promise<Minted> {
    const minted = await slot.mint();
    await store?.put(owner(slot), minted, groupsKey(slot));
    return minted;
  }

  async function load(slot: SessionSlot): Promise<Minted> {
    const stored = await store?.get({
      ...owner(slot),
      ...(slot.identityId === undefined ? {} : { identityId: slot.identityId }),
      groups: groupsKey(slot),
    });
    return stored ?? mintAndStore(slot);
  }

  return {
    identityId: (caller, resolve) => identities.get(identityKey(caller), resolve),
    forgetIdentity: (caller) => identities.delete(identityKey(caller)),
    session: (slot) => sessions.get(sessionKey(slot), () => load(slot)),
    renew: (slot) => sessions.refresh(sessionKey(slot), () => mintAndStore(slot)),
  };
}
