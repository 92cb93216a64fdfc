/**
 * The Cognito user-pools authorizer: verifies the `Authorization` header's token as the deployed
 * authorizer does (signature, issuer, expiry; any app client of the pool, since it does not check
 * `aud` either), and lets only ID tokens with a subject through.
 */
import { CognitoJwtVerifier } from 'aws-jwt-verify/cognito-verifier';
import { FetchError } from 'aws-jwt-verify/error';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import { loopbackJwksCache } from '../core/jwks';
import { ACCESS_TOKEN, AUTHORIZER_ERROR, type GatewayAnswer, UNAUTHORIZED } from './gateway-answers';

export interface AuthorizerOptions {
  readonly userPoolId: string;
  /** Where the user pool really lives: its JWKS is `{endpoint}/{userPoolId}/.well-known/jwks.json`. */
  readonly userPoolEndpoint: string;
  /** Never given the token. */
  readonly log: (line: string) => void;
}

/** The verified ID token's claims, with the non-empty `sub` each user's rate limit is keyed by. */
export type Authorized = { readonly payload: JwtPayload & { readonly sub: string } };

/** The claims of the header's ID token, or the gateway's refusal. */
export type Authorizer = (
  authorization: string | undefined,
  requestId: string,
) => Promise<Authorized | GatewayAnswer>;

export function cognitoAuthorizer(options: AuthorizerOptions): Authorizer {
  const verifier = localVerifier(options.userPoolId, options.userPoolEndpoint);
  return async (authorization, requestId) => {
    const token = bearerToken(authorization);
    if (!token) return UNAUTHORIZED;
    let payload: JwtPayload;
    try {
      payload = await verifier.verify(token);
    } catch (error) {
      if (!(error instanceof FetchError)) return UNAUTHORIZED;
      options.log(`api-adapter: the user pool's JWKS is unavailable (${requestId})`);
      return AUTHORIZER_ERROR;
    }
    const { sub } = payload;
    if (payload.token_use !== 'id' || typeof sub !== 'string' || sub === '') {
      return payload.token_use === 'access' ? ACCESS_TOKEN : UNAUTHORIZED;
    }
    return { payload: { ...payload, sub } };
  };
}

/**
 * The verifier derives the AWS issuer and JWKS URI from the pool ID, as the authorizer does; only
 * the JWKS download is redirected to where the pool really lives.
 */
function localVerifier(userPoolId: string, userPoolEndpoint: string) {
  const awsJwksUri = CognitoJwtVerifier.parseUserPoolId(userPoolId).jwksUri;
  const localJwksUri = `${userPoolEndpoint.replace(/\/$/, '')}/${userPoolId}/.well-known/jwks.json`;
  return CognitoJwtVerifier.create(
    // Either token use, so an access token can be named as such; only ID tokens go further.
    { userPoolId, tokenUse: null, clientId: null },
    {
      jwksCache: loopbackJwksCache((uri) => {
        if (uri !== awsJwksUri) throw new FetchError(uri, 'unexpected JWKS URI');
        return localJwksUri;
      }),
    },
  );
}

function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const token = header.replace(/^Bearer\s+/i, '').trim();
  return token.length > 0 ? token : undefined;
}
