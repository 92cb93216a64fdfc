/**
 * The OpenID tokens the identity pool issues: real RS256 tokens, signed by a key generated for this
 * run and published at `/.well-known/jwks_uri` like Cognito's, so the local STS can verify them.
 */
import { createSign, generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import type { IdentityPool } from '../core/credential-store';
import { type SessionTags, TAGS_CLAIM, tagsClaim } from '../core/session-tags';

/** The issuer (and STS provider) of Cognito Identity's OpenID tokens. */
export const COGNITO_IDENTITY_ISSUER = 'https://cognito-identity.amazonaws.com';

export interface OpenIdTokenIssuer {
  /** The key that verifies the tokens (the local STS uses it). */
  readonly publicKey: KeyObject;
  /** The JWKS document that publishes `publicKey`. */
  readonly jwks: { readonly keys: readonly object[] };
  /**
   * A token for `identityId` of `pool` (its `aud`), carrying `amr`, valid `lifetime` seconds; with
   * principal tags, also Cognito's tags claim (only the developer operation passes any).
   */
  issue(pool: IdentityPool, identityId: string, amr: string[], lifetime: number, tags?: SessionTags): string;
}

export function openIdTokenIssuer(): OpenIdTokenIssuer {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyId = randomUUID();
  return {
    publicKey,
    jwks: { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: keyId, alg: 'RS256', use: 'sig' }] },
    issue(pool, identityId, amr, lifetime, tags = {}) {
      const now = Math.floor(Date.now() / 1000);
      const claim = tagsClaim(tags);
      return signJwt(privateKey, keyId, {
        iss: COGNITO_IDENTITY_ISSUER,
        sub: identityId,
        aud: pool.id,
        amr,
        iat: now,
        exp: now + lifetime,
        ...(claim ? { [TAGS_CLAIM]: claim } : {}),
      });
    },
  };
}

function signJwt(key: KeyObject, kid: string, payload: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ kid, typ: 'JWT', alg: 'RS256' })}.${encode(payload)}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(key).toString('base64url');
  return `${unsigned}.${signature}`;
}
