/**
 * The identity adapter: each caller's identity ID and temporary credentials, in one of two access
 * modes (see README "Access modes"):
 * - sealed: `GetOpenIdTokenForDeveloperIdentity` (signed with the function's own role) for the
 *   developer login built from the authorizer-verified claims, then STS `AssumeRoleWithWebIdentity`;
 *   the user's ID token never reaches Cognito Identity, and users cannot get credentials themselves.
 * - direct: `GetId` with the user's ID token (through the identity directory, see
 *   `identity-directory.ts`), `GetOpenIdToken`, then `AssumeRoleWithWebIdentity`.
 * STS sessions last the configured duration (up to 12 h), unlike `GetCredentialsForIdentity`'s
 * fixed hour. Both are cached per instance (bounded, single flight), so a warm request makes no
 * upstream call at all; with a session store, sessions are also shared across the fleet.
 *
 * `createIdentityService` composes the pieces, one module each; this module is the adapter's whole
 * public surface.
 */
import { UserNotReadyError } from '../../../shared/domain/errors';
import { DEFAULT_RETRY } from '../retry';
import { createIdentityCaches } from './caches';
import { createIdentityResolver } from './directory-resolution';
import { createGuestSessions } from './guest';
import { createMinter } from './minting';
import { callerGroups, createSessions } from './sessions';
import type { IdentityService, IdentityServiceOptions } from './types';

export { COGNITO_TIMEOUTS, createCognitoIdentityClient, createStsClient } from './clients';
export { developerIdentifier } from './developer-login';
export type * from './types';

export function createIdentityService(options: IdentityServiceOptions): IdentityService {
  const now = options.now ?? Date.now;
  const { mode, userPoolId, directory } = options;
  if (mode === 'sealed' && !options.developerProviderName) {
    throw new TypeError('sealed mode needs the developer provider name');
  }
  const minter = createMinter({ ...options, now, retry: options.retry ?? DEFAULT_RETRY });
  const caches = createIdentityCaches({ ...options, now });
  const resolve = createIdentityResolver({ ...options, minter, caches });
  const { session, withSession } = createSessions({ mode, now, caches, minter, resolve });
  const guestRoleArn = options.unauthenticatedRoleArn;
  const guest =
    guestRoleArn === undefined
      ? undefined
      : createGuestSessions({ minter, caches, now, roleArn: guestRoleArn, record: options.guestIdentity });

  return {
    ...(guest ? { guest } : {}),
    groupsOf: (caller) => (mode === 'sealed' ? callerGroups(caller) : 'direct-mode'),
    async identityId(caller) {
      // Sealed mode learns the ID with the credentials; their cache makes the next request free.
      if (mode === 'sealed') return (await session(caller)).identityId;
      return caches.identityId(caller, () => resolve(caller));
    },
    async identityIdOfUser(sub) {
      // The token is dropped: no session is ever made for a user who is not the caller.
      if (mode === 'sealed') return (await minter.developerIdentity({ sub })).identityId;
      // Only the directory knows a direct-mode identity without the user's own token; its entries
      // are written by this function alone, after GetId with that user's token.
      const found = directory === undefined ? undefined : await directory.lookup(userPoolId, sub);
      if (found === undefined) {
        throw new UserNotReadyError('that user has not signed in yet: they have no identity to share with');
      }
      return found;
    },
    async forget(caller) {
      caches.forgetIdentity(caller);
      await directory?.remove(userPoolId, caller.sub);
      await options.sessionStore?.delete({ userPoolId, sub: caller.sub });
    },
    session,
    withSession,
  };
}
