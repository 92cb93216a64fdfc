/**
 * What header-signed and presigned SigV4 verification share: the payload constants, the result and
 * options types, and the checks both run in the same order (credential scope, key, session token,
 * credential expiry, unsigned `x-amz-*` headers) and the signer both re-sign with. One place, so
 * both kinds answer a failed check with the same S3 error.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { accessDenied, invalidAccessKeyId, S3Error } from '../s3/errors';
import { type CredentialStore, type IssuedCredentials, safeEqual } from './credential-store';
import type { SignedRequest } from './signed-request';
import type { ParsedCredential } from './sigv4-parts';

export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const STREAMING_UNSIGNED_PAYLOAD_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
/** S3 refuses a request whose time is more than 15 minutes off its own clock. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
export const CONTENT_SHA256 = 'x-amz-content-sha256';
export const HEX_SHA256 = /^[0-9a-f]{64}$/;

export interface VerifiedSignature {
  readonly credentials: IssuedCredentials;
  readonly authType: 'REST-HEADER' | 'REST-QUERY-STRING';
  readonly signingDate: Date;
  readonly signedHeaders: readonly string[];
  /** What the signature says of the payload: a hex SHA-256, `UNSIGNED-PAYLOAD` or a `STREAMING-*` mode. */
  readonly contentSha256: string;
  /**
   * The request's `x-amz-*` values (lowercase names): its headers plus, when presigned, those the
   * signer hoisted into the query (`x-amz-checksum-crc32`, ...), which S3 applies like headers.
   */
  readonly amzParameters: ReadonlyMap<string, string>;
  /** Presigned only: the moment the URL stops working. */
  readonly expiresAt?: Date;
}

export interface VerifyOptions {
  readonly store: CredentialStore;
  readonly region: string;
  /** @default Date.now() */
  readonly now?: number;
}

/** How one authentication style reports a malformed field (header vs query errors differ in S3). */
export type Malformed = (message: string) => S3Error;

export function checkScope(
  credential: ParsedCredential,
  date: Date,
  region: string,
  malformed: Malformed,
): void {
  if (credential.date !== date.toISOString().slice(0, 10).replaceAll('-', '')) {
    throw malformed('Invalid credential date. Date is not the same as X-Amz-Date.');
  }
  if (credential.region !== region) {
    const error = malformed(`the region '${credential.region}' is wrong; expecting '${region}'`);
    throw new S3Error(error.status, error.code, error.message, { Region: region });
  }
  if (credential.service !== 's3') {
    throw malformed(`incorrect service '${credential.service}'. This endpoint belongs to 's3'.`);
  }
  if (credential.terminator !== 'aws4_request') {
    throw malformed(`incorrect terminal '${credential.terminator}'. This endpoint uses 'aws4_request'.`);
  }
}

export function lookUp(store: CredentialStore, accessKeyId: string): IssuedCredentials {
  const credentials = store.findCredentials(accessKeyId);
  if (!credentials) throw invalidAccessKeyId();
  return credentials;
}

export function checkToken(credentials: IssuedCredentials, token: string | undefined): void {
  // Temporary keys are useless without their session token, as with STS.
  if (token === undefined) throw invalidAccessKeyId();
  if (!safeEqual(token, credentials.sessionToken)) {
    throw new S3Error(400, 'InvalidToken', 'The provided token is malformed or otherwise invalid.');
  }
}

export function checkNotExpired(credentials: IssuedCredentials, now: number): void {
  if (now >= credentials.expiration.getTime()) {
    throw new S3Error(400, 'ExpiredToken', 'The provided token has expired.');
  }
}

export function serverTime(now: number): string {
  return new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `x-amz-*` headers the client sent but did not sign: S3 refuses them rather than trust them. */
export function checkAllAmzHeadersSigned(request: SignedRequest, signed: ReadonlySet<string>): void {
  const unsigned = Object.keys(request.headers)
    .filter((name) => name.startsWith('x-amz-') && !signed.has(name))
    .sort();
  if (unsigned.length > 0) {
    throw accessDenied('There were headers present in the request which were not signed', {
      HeadersNotSigned: unsigned.join(', '),
    });
  }
}

export function signerFor(credentials: IssuedCredentials, region: string, withToken: boolean): SignatureV4 {
  return new SignatureV4({
    service: 's3',
    region,
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      ...(withToken ? { sessionToken: credentials.sessionToken } : {}),
    },
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
}

export function notSupported(): S3Error {
  return new S3Error(
    400,
    'InvalidRequest',
    'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.',
  );
}
