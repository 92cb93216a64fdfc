/**
 * Server-side SigV4 verification for the local S3 gateway, for header-signed (`Authorization`) and
 * presigned (`X-Amz-*` query) requests, with S3's error codes and order of checks: malformed input,
 * unknown key, session token, clock skew or URL expiry, credential expiry, unsigned `x-amz-*`
 * headers, then the signature itself.
 *
 * The signature is recomputed with `@smithy/signature-v4` (the signer the SDK uses), by re-signing
 * the request with the client's date and signed headers (`uriEscapePath: false`, as S3 signs the
 * path as sent) and compared in constant time. Payload hashes and checksums are checked later, by
 * `local/s3/payload.ts`, once the body has been read.
 *
 * This file only dispatches on the kind of signature. The request model is in `signed-request.ts`;
 * the checks both kinds share, in that order, and the signer in `sigv4-checks.ts`; each kind's own
 * parsing and re-signing in `sigv4-header-signed.ts` and `sigv4-presigned.ts`.
 */
import { accessDenied, S3Error } from '../s3/errors';
import { headerValue, type SignedRequest } from './signed-request';
import { notSupported, type VerifiedSignature, type VerifyOptions } from './sigv4-checks';
import { verifyHeaderSigned } from './sigv4-header-signed';
import { isPresigned, verifyPresigned } from './sigv4-presigned';

/**
 * Verifies a request's SigV4 signature and returns who signed it. Throws an S3Error answering
 * exactly what S3 would; an unsigned request is refused with `AccessDenied` (no anonymous access).
 */
export async function verifySignature(
  request: SignedRequest,
  options: VerifyOptions,
): Promise<VerifiedSignature> {
  const authorization = headerValue(request, 'authorization');
  const presigned = isPresigned(request);
  if (authorization !== undefined && presigned) {
    throw new S3Error(
      400,
      'InvalidArgument',
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string ' +
        'parameter or the Authorization header should be specified',
    );
  }
  if (authorization !== undefined) return verifyHeaderSigned(request, authorization, options);
  if (presigned) return verifyPresigned(request, options);
  if (
    request.query.some((parameter) => parameter.name === 'Signature' || parameter.name === 'AWSAccessKeyId')
  ) {
    throw notSupported();
  }
  // No bucket policy grants anonymous access: S3's answer to an unsigned request.
  throw accessDenied();
}
