/**
 * Verification of user-pool ID tokens given in `Logins`: signature against the pool's JWKS (served
 * by moto), issuer, audience (the provider's app client), and that the token is an ID token.
 */
import { JwtVerifier } from 'aws-jwt-verify';
import { FetchError, JwtBaseError } from 'aws-jwt-verify/error';
import { AwsJsonError } from '../core/aws-json';
import { type IdentityPool, parseProviderName } from '../core/credential-store';
import { loopbackJwksCache } from '../core/jwks';
import { notAuthorized } from './errors';

export interface LoginVerifier {
  /** Verifies a login against one pool; returns the user's `sub`. */
  verifyLogin(pool: IdentityPool, providerName: string, token: string): Promise<string>;
}

/** `userPoolEndpoint` is where the user pools really live (moto), without a trailing slash. */
export function loginVerifier(userPoolEndpoint: string, log: (line: string) => void): LoginVerifier {
  const jwksCache = loopbackJwksCache();
  const verifiers = new Map<string, ReturnType<typeof createVerifier>>();

  function createVerifier(providerName: string, clientId: string) {
    const userPoolId = parseProviderName(providerName)?.userPoolId;
    if (!userPoolId) throw notAuthorized("Invalid login token. Issuer doesn't match providerName");
    return JwtVerifier.create(
      {
        issuer: `https://${providerName}`,
        audience: clientId,
        // moto's openid-configuration is broken; its JWKS sits at a fixed path per pool.
        jwksUri: `${userPoolEndpoint}/${userPoolId}/.well-known/jwks.json`,
        customJwtCheck: ({ payload }) => {
          // Only ID tokens: an access token has no `aud` and must not mint credentials.
          if (payload.token_use !== 'id') throw new Error('not an ID token');
          if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw new Error('no sub');
        },
      },
      { jwksCache },
    );
  }

  function verifierFor(providerName: string, clientId: string) {
    const key = `${providerName}\n${clientId}`;
    let verifier = verifiers.get(key);
    if (!verifier) {
      verifier = createVerifier(providerName, clientId);
      verifiers.set(key, verifier);
    }
    return verifier;
  }

  return {
    async verifyLogin(pool, providerName, token) {
      const provider = pool.providers.find((candidate) => candidate.providerName === providerName);
      if (!provider) throw notAuthorized('Token is not from a supported provider of this identity pool.');
      try {
        const payload = await verifierFor(provider.providerName, provider.clientId).verify(token);
        // customJwtCheck has required a non-empty string `sub`.
        return String(payload.sub);
      } catch (error) {
        throw refusal(error, log);
      }
    },
  };
}

/** What a failed verification answers: the provider unreachable, or the token invalid. */
function refusal(error: unknown, log: (line: string) => void): unknown {
  if (error instanceof FetchError) {
    return new AwsJsonError(
      'ExternalServiceException',
      'The identity provider could not be reached to verify the login token.',
    );
  }
  if (error instanceof JwtBaseError || error instanceof Error) {
    // The reason is logged by class name only: messages of some errors quote token contents.
    log(`identity: login rejected (${error.constructor.name})`);
    return notAuthorized('Invalid login token.');
  }
  return error;
}
