/**
 * `GetOpenIdToken`: a short-lived OpenID token for an identity whose login verifies (`amr` says
 * `authenticated`), or, without logins, for a known guest identity (`amr` is `["unauthenticated"]`).
 */
import type { Operation } from '../context';
import { guestPoolOf, UNAUTHENTICATED_AMR } from '../guests';
import { amrOf, verifyIdentity } from '../identities';
import { hasLogins, ID_PATTERN, loginOf, requireString } from '../input';

const OPEN_ID_TOKEN_LIFETIME_SECONDS = 600;

export const getOpenIdToken: Operation = async (context, input) => {
  const identityId = requireString(input, 'IdentityId', ID_PATTERN);
  const issue = context.openIdTokens.issue;
  if (!hasLogins(input)) {
    const pool = guestPoolOf(context, identityId);
    return {
      IdentityId: identityId,
      Token: issue(pool, identityId, [...UNAUTHENTICATED_AMR], OPEN_ID_TOKEN_LIFETIME_SECONDS),
    };
  }
  const { providerName, token } = loginOf(input);
  const login = await verifyIdentity(context, identityId, providerName, token);
  return {
    IdentityId: identityId,
    Token: issue(login.pool, identityId, amrOf(login), OPEN_ID_TOKEN_LIFETIME_SECONDS),
  };
};
