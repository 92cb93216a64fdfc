/**
 * Resolving a request to the pool and identity it concerns: a pool by ID (in this region only), and
 * an identity ID with its login, verified, to the pool whose login derives exactly that ID.
 */
import { AwsJsonError } from '../core/aws-json';
import type { IdentityPool } from '../core/credential-store';
import type { IdentityContext } from './context';
import { notAuthorized } from './errors';

/** A login verified to belong to `identityId` of `pool`. */
export interface VerifiedLogin {
  readonly pool: IdentityPool;
  readonly providerName: string;
  readonly sub: string;
  readonly identityId: string;
}

export function poolById({ store, region }: IdentityContext, id: string): IdentityPool {
  const pool = store.getIdentityPool(id);
  if (!pool || pool.region !== region) {
    throw new AwsJsonError('ResourceNotFoundException', `IdentityPool '${id}' not found.`);
  }
  return pool;
}

/**
 * Resolves an identity ID and its login to the pool it belongs to. Identity IDs are derived from
 * (pool, provider, sub), so the pool is the one whose verified login derives exactly this ID.
 */
export async function verifyIdentity(
  context: IdentityContext,
  identityId: string,
  providerName: string,
  token: string,
): Promise<VerifiedLogin> {
  const candidates = context.store
    .identityPools()
    .filter(
      (pool) =>
        pool.region === context.region &&
        pool.providers.some((provider) => provider.providerName === providerName),
    );
  if (candidates.length === 0) {
    throw notAuthorized('Token is not from a supported provider of this identity pool.');
  }
  let verified = false;
  let lastError: unknown;
  for (const pool of candidates) {
    let sub: string;
    try {
      sub = await context.logins.verifyLogin(pool, providerName, token);
    } catch (error) {
      lastError = error;
      continue;
    }
    verified = true;
    if (context.store.identityIdFor(pool, providerName, sub) === identityId) {
      return { pool, providerName, sub, identityId };
    }
  }
  if (!verified) throw lastError;
  throw notAuthorized(
    "Logins don't match. Please include at least one valid login for this identity or identity pool.",
  );
}

/** The `amr` of a session of a verified user-pool login, as Cognito sets it. */
export function amrOf(login: VerifiedLogin): string[] {
  return ['authenticated', login.providerName, `${login.providerName}:CognitoSignIn:${login.sub}`];
}
