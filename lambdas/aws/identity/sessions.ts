/**
 * Callers' sessions: which cache slot holds a caller's session and how it is minted on a miss
 * (per access mode), refreshing credentials that would cut a URL's lifetime short, and running work
 * once more with fresh credentials when storage rejects the ones it got.
 */
import { shouldRefreshForLifetime } from '../../../shared/domain/expiry';
import type { AccessMode } from '../../api/config';
import { isRejectedCredentials, isStaleIdentity } from '../errors';
import type { IdentityCaches, SessionSlot } from './caches';
import type { Minted, Minter } from './minting';
import type { Caller, IdentityService, IdentitySession, SessionOptions } from './types';

interface SessionsOptions {
  readonly mode: AccessMode;
  readonly now: () => number;
  readonly caches: IdentityCaches;
  readonly minter: Minter;
  /** Direct mode's identity ID on a cache miss. */
  readonly resolve: (caller: Caller) => Promise<string>;
}

/** Fresh credentials asked for, or the cached ones would cut the URL about to be signed short. */
function mustRefresh(options: SessionOptions, current: Minted, now: () => number): boolean {
  if (options.forceRefresh) return true;
  return (
    options.lifetimeSeconds !== undefined &&
    shouldRefreshForLifetime({
      nowMs: now(),
      lifetimeSeconds: options.lifetimeSeconds,
      credentialsExpireAtMs: current.credentials.expiration.getTime(),
      credentialsObtainedAtMs: current.credentials.obtainedAt,
    })
  );
}

export function createSessions(options: SessionsOptions): Pick<IdentityService, 'session' | 'withSession'> {
  const { mode, now, caches, minter, resolve } = options;

  const mintDirect = (caller: Caller, id: string) => async () => {
    try {
      return await minter.direct(id, caller.idToken);
    } catch (error) {
      // The pool no longer knows (or no longer links) this identity: forget the cached ID so the
      // next request resolves it afresh instead of failing the same way for ever.
      if (isStaleIdentity(error)) caches.forgetIdentity(caller);
      throw error;
    }
  };

  async function slot(caller: Caller): Promise<SessionSlot> {
    if (mode === 'sealed') return { caller, mint: () => minter.sealed(caller) };
    const id = await caches.identityId(caller, () => resolve(caller));
    return { caller, identityId: id, mint: mintDirect(caller, id) };
  }

  async function session(caller: Caller, sessionOptions: SessionOptions = {}): Promise<IdentitySession> {
    const callerSlot = await slot(caller);
    let current = await caches.session(callerSlot);
    if (mustRefresh(sessionOptions, current, now)) current = await caches.renew(callerSlot);
    return { identityId: current.identityId, credentials: current.credentials };
  }

  return {
    session,
    async withSession(caller, sessionOptions, work) {
      const first = await session(caller, sessionOptions);
      try {
        return await work(first);
      } catch (error) {
        if (!isRejectedCredentials(error)) throw error;
        return work(await session(caller, { ...sessionOptions, forceRefresh: true }));
      }
    },
  };
}
