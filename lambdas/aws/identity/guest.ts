/**
 * The deployment's guest session: one unauthenticated identity for the whole deployment, its
 * session minted on the identity pool's unauthenticated role and kept like any caller's (the
 * instance cache, then the fleet-wide session store), so a guest request costs no identity call and
 * `GetId` is called once per deployment, not per instance (see `guest-identity.ts`).
 */

import { isStaleIdentity } from '../errors';
import type { GuestIdentityRecord } from '../session-store/guest-identity';
import type { IdentityCaches, SessionSlot } from './caches';
import type { Minted, Minter } from './minting';
import { sessionRunner } from './sessions';
import type { Caller, GuestSessions } from './types';

/**
 * Whose session the guest slot is in the caches and the store: a `sub` no user of a pool can have
 * (Cognito's are UUIDs), so the guest's row never meets a user's.
 */
export const GUEST_CALLER: Caller = { sub: 'guest', username: 'guest', idToken: '' };

interface GuestOptions {
  readonly minter: Minter;
  readonly caches: IdentityCaches;
  readonly now: () => number;
  /** The identity pool's unauthenticated role. */
  readonly roleArn: string;
  /** Where the fleet shares its guest identity; absent: each instance asks `GetId` once. */
  readonly record?: GuestIdentityRecord;
}

export function createGuestSessions(options: GuestOptions): GuestSessions {
  const { minter, record, roleArn } = options;
  let known: Promise<string> | undefined;

  // The record is only a cache of the identity: when it fails, this instance makes its own.
  async function published(): Promise<string> {
    const stored = await record?.get().catch(() => undefined);
    if (stored !== undefined) return stored;
    const made = await minter.newGuestIdentity();
    return record ? record.claim(made).catch(() => made) : made;
  }

  function identity(): Promise<string> {
    known ??= published().catch((error: unknown) => {
      known = undefined;
      throw error;
    });
    return known;
  }

  async function mint(): Promise<Minted> {
    const id = await identity();
    try {
      return await minter.guest(id, roleArn);
    } catch (error) {
      if (!isStaleIdentity(error)) throw error;
      // Cognito no longer knows the published identity: make and publish another.
      const fresh = await minter.newGuestIdentity();
      known = Promise.resolve(fresh);
      await record?.replace(fresh).catch(() => undefined);
      return minter.guest(fresh, roleArn);
    }
  }

  const slot: SessionSlot = { caller: GUEST_CALLER, mint };
  const runner = sessionRunner(options.now, options.caches);
  return {
    session: (sessionOptions) => runner.session(async () => slot, sessionOptions),
    withSession: (sessionOptions, work) => runner.withSession(async () => slot, sessionOptions, work),
  };
}
