/**
 * `GetCredentialsForIdentity`: temporary credentials bound to a verified identity and its pool's
 * authenticated role, throttled per identity; a full credential store refuses rather than evicts.
 */
import { type CredentialStore, CredentialStoreFullError } from '../../core/credential-store';
import type { IdentityContext, Operation } from '../context';
import { invalidParameter, tooManyRequests } from '../errors';
import { amrOf, type VerifiedLogin, verifyIdentity } from '../identities';
import { ID_PATTERN, loginOf, requireString } from '../input';

export const getCredentialsForIdentity: Operation = async (context, input) => {
  const identityId = requireString(input, 'IdentityId', ID_PATTERN);
  const { providerName, token } = loginOf(input);
  const login = await verifyIdentity(context, identityId, providerName, token);
  const customRoleArn = input.CustomRoleArn;
  if (customRoleArn !== undefined && customRoleArn !== login.pool.authenticatedRole.arn) {
    throw invalidParameter('CustomRoleArn is not a role of this identity pool.');
  }
  // Counted only for verified logins: nobody can throttle another user's identity.
  if (context.issuance.take(`${login.pool.id}\n${identityId}`) > 0) throw tooManyRequests('Rate exceeded');
  const credentials = issue(context, login);
  return {
    IdentityId: identityId,
    Credentials: {
      AccessKeyId: credentials.accessKeyId,
      SecretKey: credentials.secretAccessKey,
      SessionToken: credentials.sessionToken,
      // The JSON protocol carries timestamps as epoch seconds.
      Expiration: credentials.expiration.getTime() / 1000,
    },
  };
};

function issue(
  context: IdentityContext,
  login: VerifiedLogin,
): ReturnType<CredentialStore['issueCredentials']> {
  try {
    return context.store.issueCredentials({
      identityId: login.identityId,
      identityPoolId: login.pool.id,
      amr: amrOf(login),
      lifetimeSeconds: context.lifetimeSeconds,
    });
  } catch (error) {
    if (error instanceof CredentialStoreFullError) throw tooManyRequests('Rate exceeded');
    throw error;
  }
}
