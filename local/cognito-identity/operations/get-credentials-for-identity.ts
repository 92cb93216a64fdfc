/**
 * `GetCredentialsForIdentity`: temporary credentials bound to a verified identity and its pool's
 * authenticated role, or, without logins, to a known guest identity and the pool's unauthenticated
 * role; throttled per identity; a full credential store refuses rather than evicts.
 */
import {
  CredentialStoreFullError,
  type IdentityPool,
  type IssuedCredentials,
} from '../../core/credential-store';
import type { IdentityContext, Operation } from '../context';
import { invalidParameter, tooManyRequests } from '../errors';
import { guestPoolOf, guestRoleOf, UNAUTHENTICATED_AMR } from '../guests';
import { amrOf, verifyIdentity } from '../identities';
import { hasLogins, ID_PATTERN, type Input, loginOf, requireString } from '../input';

/** Who the credentials are for: the identity, its pool, the session's `amr` and its role's ARN. */
interface Session {
  readonly identityId: string;
  readonly pool: IdentityPool;
  readonly amr: readonly string[];
  readonly roleArn: string;
}

export const getCredentialsForIdentity: Operation = async (context, input) => {
  const identityId = requireString(input, 'IdentityId', ID_PATTERN);
  const session = await sessionOf(context, input, identityId);
  const customRoleArn = input.CustomRoleArn;
  // Only the role the identity's kind is given: a guest may not name the authenticated role.
  if (customRoleArn !== undefined && customRoleArn !== session.roleArn) {
    throw invalidParameter('CustomRoleArn is not a role of this identity pool.');
  }
  // Counted only for verified logins and known guests: nobody can throttle another user's identity.
  if (context.issuance.take(`${session.pool.id}\n${identityId}`) > 0) throw tooManyRequests('Rate exceeded');
  const credentials = issue(context, session);
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

async function sessionOf(context: IdentityContext, input: Input, identityId: string): Promise<Session> {
  if (!hasLogins(input)) {
    const pool = guestPoolOf(context, identityId);
    return { identityId, pool, amr: UNAUTHENTICATED_AMR, roleArn: guestRoleOf(pool).arn };
  }
  const { providerName, token } = loginOf(input);
  const login = await verifyIdentity(context, identityId, providerName, token);
  return { identityId, pool: login.pool, amr: amrOf(login), roleArn: login.pool.authenticatedRole.arn };
}

function issue(context: IdentityContext, session: Session): IssuedCredentials {
  try {
    // The store binds the credentials to the role the session's amr calls for.
    return context.store.issueCredentials({
      identityId: session.identityId,
      identityPoolId: session.pool.id,
      amr: session.amr,
      lifetimeSeconds: context.lifetimeSeconds,
    });
  } catch (error) {
    if (error instanceof CredentialStoreFullError) throw tooManyRequests('Rate exceeded');
    throw error;
  }
}
