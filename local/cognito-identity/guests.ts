/**
 * Guest (unauthenticated) identities, as Cognito serves them to a pool that allows them: `GetId`
 * without logins creates a new one, and a logins-less call naming one acts for it. Anyone may call
 * without logins, so creation is throttled for all callers at once (like Cognito's account-wide
 * `GetId` quota), and an identity the store no longer knows is refused.
 */
import { AwsJsonError } from '../core/aws-json';
import type { IdentityPool, PoolRole } from '../core/credential-store';
import type { IdentityContext } from './context';
import { notAuthorized, tooManyRequests } from './errors';

/** The `amr` of a guest's session, as Cognito sets it. */
export const UNAUTHENTICATED_AMR: readonly string[] = ['unauthenticated'];

const NO_GUESTS = 'Unauthenticated access is not supported for this identity pool.';

/** `GetId` without logins: a new guest identity of a pool that allows them. */
export function newGuestIdentity(context: IdentityContext, pool: IdentityPool): string {
  if (!pool.allowUnauthenticatedIdentities) throw notAuthorized(NO_GUESTS);
  if (context.guestIdentities.take('GetId') > 0) throw tooManyRequests('Rate exceeded');
  return context.store.createUnauthenticatedIdentity(pool.id);
}

/**
 * The pool of the guest identity a logins-less call names, answering any other identity as Cognito
 * does: unknown (or forgotten), not found; a user's, forbidden without its login.
 */
export function guestPoolOf(context: IdentityContext, identityId: string): IdentityPool {
  const known = context.store.findIdentity(identityId);
  if (!known || known.pool.region !== context.region) {
    throw new AwsJsonError('ResourceNotFoundException', `Identity '${identityId}' not found.`);
  }
  if (!known.pool.allowUnauthenticatedIdentities) throw notAuthorized(NO_GUESTS);
  if (known.kind !== 'unauthenticated') {
    throw notAuthorized(`Access to Identity '${identityId}' is forbidden.`);
  }
  return known.pool;
}

/** The role a guest's credentials are for; a pool allowing guests without one is misconfigured. */
export function guestRoleOf(pool: IdentityPool): PoolRole {
  if (!pool.unauthenticatedRole) {
    throw new AwsJsonError(
      'InvalidIdentityPoolConfigurationException',
      'Invalid identity pool configuration. Check assigned IAM roles for this pool.',
    );
  }
  return pool.unauthenticatedRole;
}
