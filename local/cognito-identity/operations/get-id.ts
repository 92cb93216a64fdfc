/**
 * `GetId`: the stable identity ID of a verified user-pool login in a pool, recorded as Cognito
 * creates it; or, without logins, a new guest identity of a pool that allows them.
 */
import type { Operation } from '../context';
import { newGuestIdentity } from '../guests';
import { poolById } from '../identities';
import { hasLogins, ID_PATTERN, loginOf, requireString } from '../input';

export const getId: Operation = async (context, input) => {
  const pool = poolById(context, requireString(input, 'IdentityPoolId', ID_PATTERN));
  if (!hasLogins(input)) return { IdentityId: newGuestIdentity(context, pool) };
  const { providerName, token } = loginOf(input);
  const sub = await context.logins.verifyLogin(pool, providerName, token);
  const identityId = context.store.identityIdFor(pool, providerName, sub);
  context.store.recordAuthenticatedIdentity(pool.id, identityId);
  return { IdentityId: identityId };
};
