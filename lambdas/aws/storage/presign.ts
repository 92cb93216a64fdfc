/**
 * Presigned URLs: object PUTs and GETs and multipart part PUTs, signed locally with the caller's
 * credentials (no call to storage) over a window their expiry allows. Every header the uploader
 * must send is signed, so a URL cannot be replayed with a different type, size or checksum.
 */
import { GetObjectCommand, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { UpstreamError } from '../../../shared/domain/errors';
import { presignWindow } from '../../../shared/domain/expiry';
import type { IdentitySession } from '../identity';
import type { StorageContext } from './client';
import type { Storage } from './types';

type PresignWindow = ReturnType<typeof presignWindow>;
type Presigner = Pick<Storage, 'presignPut' | 'presignGet' | 'presignUploadPart'>;

/** The headers a PUT URL requires: all signed, some kept as headers rather than hoisted into the query. */
interface PutHeaders {
  readonly headers: Record<string, string>;
  readonly signable: Set<string>;
  readonly unhoistable: Set<string>;
}

/** The presigner's options for a PUT: its window, and exactly its headers signed. */
function putSigning(signed: PresignWindow, put: PutHeaders) {
  return {
    expiresIn: signed.expiresInSeconds,
    signingDate: signed.signingDate,
    signableHeaders: put.signable,
    unhoistableHeaders: put.unhoistable,
  };
}

/** Signs the body's SHA-256 as a header, not a query parameter: storage verifies the body against it. */
function addChecksum(put: PutHeaders, sha256: string | undefined): void {
  if (sha256 === undefined) return;
  put.headers['x-amz-checksum-sha256'] = sha256;
  put.signable.add('x-amz-checksum-sha256');
  put.unhoistable.add('x-amz-checksum-sha256');
}

export function createPresigner(context: StorageContext): Presigner {
  const { bucket, now, clientFor } = context;

  function window(session: IdentitySession, lifetimeSeconds: number): PresignWindow {
    const credentialsExpireAtMs = session.credentials.expiration.getTime();
    const nowMs = now();
    if (credentialsExpireAtMs - nowMs < 1_000)
      throw new UpstreamError('the signing credentials have expired');
    return presignWindow({ nowMs, lifetimeSeconds, credentialsExpireAtMs });
  }

  return {
    async presignPut(session, input) {
      const signed = window(session, input.lifetimeSeconds);
      const put: PutHeaders = {
        headers: { 'Content-Type': input.contentType, 'Content-Length': String(input.size) },
        signable: new Set(['content-type', 'content-length']),
        // Kept as headers rather than hoisted into the query: S3 verifies the body against a checksum
        // header, and a conditional header is what makes the PUT conditional.
        unhoistable: new Set<string>(),
      };
      addChecksum(put, input.sha256);
      if (input.ifNoneMatch) {
        put.headers['If-None-Match'] = '*';
        put.signable.add('if-none-match');
      }
      const command = new PutObjectCommand({
        Bucket: bucket,
        Key: input.key,
        ContentType: input.contentType,
        ContentLength: input.size,
        ChecksumSHA256: input.sha256,
        IfNoneMatch: input.ifNoneMatch ? '*' : undefined,
      });
      const url = await getSignedUrl(clientFor(session), command, putSigning(signed, put));
      return { url, headers: put.headers, expiresAt: signed.expiresAt };
    },

    async presignUploadPart(session, input) {
      const signed = window(session, input.lifetimeSeconds);
      const put: PutHeaders = {
        headers: { 'Content-Length': String(input.size) },
        signable: new Set(['content-length']),
        unhoistable: new Set<string>(),
      };
      addChecksum(put, input.sha256);
      const command = new UploadPartCommand({
        Bucket: bucket,
        Key: input.key,
        UploadId: input.uploadId,
        PartNumber: input.partNumber,
        ContentLength: input.size,
        ChecksumSHA256: input.sha256,
      });
      const url = await getSignedUrl(clientFor(session), command, putSigning(signed, put));
      return { url, headers: put.headers, expiresAt: signed.expiresAt };
    },

    async presignGet(session, input) {
      const signed = window(session, input.lifetimeSeconds);
      const url = await getSignedUrl(
        clientFor(session),
        new GetObjectCommand({
          Bucket: bucket,
          Key: input.key,
          ResponseContentDisposition: input.contentDisposition,
          ResponseContentType: input.contentType,
        }),
        { expiresIn: signed.expiresInSeconds, signingDate: signed.signingDate },
      );
      return { url, expiresAt: signed.expiresAt };
    },
  };
}
