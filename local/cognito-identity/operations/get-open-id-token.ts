/** `GetOpenIdToken`: a short-lived OpenID token for an identity whose login verifies. */
import type { Operation } from '../context';
import { amrOf, verifyIdentity } from '../identities';
import { ID_PATTERN, loginOf, requireString } from '../input';

const OPEN_ID_TOKEN_LIFETIME_SECONDS = 600;

export const getOpenIdToken: Operation = async (context, input) => {
  const identityId = requireString(input, 'IdentityId', ID_PATTERN);
  const { providerName, token } = loginOf(input);
  const login = await verifyIdentity(context, identityId, providerName, token);
  return {
    IdentityId: identityId,
    Token: context.openIdTokens.issue(login.pool, identityId, amrOf(login), OPEN_ID_TOKEN_LIFETIME_SECONDS),
  };
};
