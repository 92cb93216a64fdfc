/**
 * Verification of the web identity tokens STS accepts: RS256 OpenID tokens of the local identity
 * service, checked for signature (its key), issuer, expiry and the shape of their claims, the
 * principal tags (`https://aws.amazon.com/tags`) included.
 */
import { createVerify, type KeyObject } from 'node:crypto';
import { COGNITO_IDENTITY_ISSUER } from '../cognito-identity/service';
import { type SessionTags, TAGS_CLAIM, tagsFromClaim } from '../core/session-tags';
import { invalidToken, StsError } from './errors';

export interface TokenClaims {
  readonly sub: string;
  readonly aud: string;
  readonly amr: string[];
  /** The token's principal tags, which become the session's tags. @default none */
  readonly principalTags?: SessionTags;
}

const NOT_VALIDATED = 'The web identity token that was passed could not be validated by AWS.';

/** Verifies an RS256 token of the identity service: signature, issuer, expiry, claims' shapes. */
export function verifyOpenIdToken(token: string, key: KeyObject, nowSeconds: number): TokenClaims {
  const parts = token.split('.');
  if (parts.length !== 3)
    throw invalidToken("Couldn't retrieve verification key from your identity provider");
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  let header: { alg?: unknown };
  let payload: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8')) as { alg?: unknown };
    payload = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw invalidToken(NOT_VALIDATED);
  }
  const signed = createVerify('RSA-SHA256')
    .update(`${headerPart}.${payloadPart}`)
    .verify(key, Buffer.from(signaturePart, 'base64url'));
  if (header.alg !== 'RS256' || !signed) throw invalidToken(NOT_VALIDATED);
  if (payload.iss !== COGNITO_IDENTITY_ISSUER) throw invalidToken(NOT_VALIDATED);
  if (typeof payload.exp !== 'number' || payload.exp <= nowSeconds) {
    throw new StsError(
      'ExpiredTokenException',
      'Token expired: current date/time is later than the token expiration.',
    );
  }
  const amr = Array.isArray(payload.amr) ? payload.amr.filter((item) => typeof item === 'string') : [];
  if (typeof payload.sub !== 'string' || typeof payload.aud !== 'string') {
    throw invalidToken('The web identity token that was passed is missing a required claim.');
  }
  const principalTags = tagsFromClaim(payload[TAGS_CLAIM]);
  if (!principalTags) throw invalidToken('The web identity token that was passed has an invalid tags claim.');
  return { sub: payload.sub, aud: payload.aud, amr, principalTags };
}
