/**
 * Callers' sessions: which cache slot holds a caller's session and how it is minted on a miss
 * (per access mode), refreshing credentials that would cut a URL's lifetime short, and running work
 * once more with fresh credentials when storage rejects the ones it got.
 */
import { shouldRefreshForLifetime } from '../../../shared/domain/expiry';
import { sessionGroups } from '../../../shared/domain/groups';
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

/**
 * The groups a sealed session carries for this caller (their verified `cognito:groups`, within the
 * tag slots): one derivation for the tags minted and for the folder checks, so the two cannot differ.
 */
export const callerGroups = (caller: Caller) => sessionGroups(caller.groups ?? []);

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

/** Sessions of whatever a slot stands for: cached, refreshed for a URL's lifetime, retried once. */
export interface SessionRunner {
  session(slotOf: () => Promise<SessionSlot>, options?: SessionOptions): Promise<IdentitySession>;
  withSession<T>(
    slotOf: () => Promise<SessionSlot>,
    options: SessionOptions,
    work: (session: IdentitySession) => Promise<T>,
  ): Promise<T>;
}

export function sessionRunner(now: () => number, caches: IdentityCaches): SessionRunner {
  async function session(slotOf: () => Promise<SessionSlot>, sessionOptions: SessionOptions = {}) {
    const slot = await slotOf();
    let current = await caches.session(slot);
    if (mustRefresh(sessionOptions, current, now)) current = await caches.renew(slot);
    return { identityId: current.identityId, credentials: current.credentials };
  }
  return {
    session,
    async withSession(slotOf, sessionOptions, work) {
      const first = await session(slotOf, sessionOptions);
      try {
        return await work(first);
      } catch (error) {
        if (!isRejectedCredentials(error)) throw error;
        return work(await session(slotOf, { ...sessionOptions, forceRefresh: true }));
      }
    },
  };
}

export function createSessions(options: SessionsOptions): Pick<IdentityService, 'session' | 'withSession'> {
  const { mode, now, caches, minter, resolve } = options;
  const runner = sessionRunner(now, caches);

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
    if (mode === 'sealed') {
      const { carried } = callerGroups(caller);
      return { caller, groups: carried, mint: () => minter.sealed(caller, carried) };
    }
    const id = await caches.identityId(caller, () => resolve(caller));
    return { caller, identityId: id, mint: mintDirect(caller, id) };
  }

  return {
    session: (caller, sessionOptions) => runner.session(() => slot(caller), sessionOptions),
    withSession: (caller, sessionOptions, work) =>
      runner.withSession(() => slot(caller), sessionOptions, work),
  };
}
