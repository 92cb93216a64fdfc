/** `GetId`: the stable identity ID of a verified user-pool login in a pool. */
import type { Operation } from '../context';
import { poolById } from '../identities';
import { ID_PATTERN, loginOf, requireString } from '../input';

export const getId: Operation = async (context, input) => {
  const pool = poolById(context, requireString(input, 'IdentityPoolId', ID_PATTERN));
  const { providerName, token } = loginOf(input);
  const sub = await context.logins.verifyLogin(pool, providerName, token);
  return { IdentityId: context.store.identityIdFor(pool, providerName, sub) };
};
