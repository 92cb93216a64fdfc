/**
 * Direct mode's identity IDs on an instance-cache miss: the identity directory first (verified by
 * the pool before any key is built from it), `GetId` when it has no entry, fails or is refused, and
 * the directory updated after `GetId`. The directory never fails a request.
 */
import { isStaleIdentity } from '../errors';
import type { IdentityCaches } from './caches';
import type { Minter } from './minting';
import type { Caller, IdentityServiceOptions } from './types';

type ResolverOptions = Pick<IdentityServiceOptions, 'userPoolId' | 'directory' | 'onDirectoryError'> & {
  readonly minter: Minter;
  readonly caches: IdentityCaches;
};

export function createIdentityResolver(options: ResolverOptions): (caller: Caller) => Promise<string> {
  const { userPoolId, directory, onDirectoryError, minter, caches } = options;

  /** `GetId`, then the directory updated (awaited, so the entry exists before we answer). */
  async function resolveWithGetId(caller: Caller, record: boolean): Promise<string> {
    const id = await minter.identityIdOf(caller.idToken);
    if (directory && record) {
      try {
        await directory.record(userPoolId, caller.sub, id);
      } catch (error) {
        onDirectoryError?.('record', error);
      }
    }
    return id;
  }

  /** Only on a cache miss: the directory first, `GetId` when it has no entry or fails. */
  return async function resolve(caller) {
    if (!directory) return resolveWithGetId(caller, false);
    let entry: string | undefined;
    try {
      entry = await directory.lookup(userPoolId, caller.sub);
    } catch (error) {
      // The directory never fails a request. Nor do we write after a failed read: the entry
      // probably exists, and a struggling table would only add a second timeout.
      onDirectoryError?.('lookup', error);
      return resolveWithGetId(caller, false);
    }
    if (entry === undefined) return resolveWithGetId(caller, true);
    const found = entry;
    // An entry is only a hint until the identity pool accepts it for this caller's token: verify
    // it before any route builds a key from it. The credentials fetched to do so are the ones the
    // request needs anyway, so a correct entry costs no extra call.
    try {
      await caches.session({ caller, identityId: found, mint: () => minter.direct(found, caller.idToken) });
      return found;
    } catch (error) {
      if (!isStaleIdentity(error)) throw error;
      // Refused (a wrong or outdated entry): GetId once and overwrite it. A second refusal, when
      // the credentials for GetId's answer are fetched, propagates as it would without a directory.
      return resolveWithGetId(caller, true);
    }
  };
}
