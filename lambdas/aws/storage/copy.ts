/**
 * Server-side copies with the caller's credentials: one CopyObject up to the threshold, a multipart
 * copy of UploadPartCopy parts (a few at once, aborted on failure) above it. The source is always
 * pinned to the ETag the caller checked; a 412 becomes a conflict the caller can resolve. A copy
 * starts without tags (a multipart copy never has any), so malware scanning treats it as new.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  type S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { ConflictError, UpstreamError } from '../../../shared/domain/errors';
import { forEachConcurrently } from '../concurrent';
import { httpStatusOf } from '../errors';
import type { StorageContext } from './client';
import type { CopyInput, Storage, StorageOptions } from './types';

/** S3's limits for one CopyObject and for the parts of a multipart copy. */
export const MAX_COPY_OBJECT_BYTES = 5 * 1024 ** 3;
const MIN_PART_BYTES = 5 * 1024 ** 2;
const MAX_PARTS = 10_000;
/** Parts copied at once: enough to overlap S3's per-part latency, few enough for one Lambda. */
const COPY_PART_CONCURRENCY = 4;

/** A key as the path part of `x-amz-copy-source`: each segment URL-encoded, `/` kept. */
function encodeKeyPath(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

/**
 * 412 on a copy: either the target exists (`If-None-Match: *`) or the source changed since it was
 * checked (`CopySourceIfMatch`); both are conflicts the caller can resolve, never a server error.
 */
function copyError(error: unknown, ifNoneMatch: boolean): unknown {
  if (httpStatusOf(error) !== 412 && (error as { name?: unknown })?.name !== 'PreconditionFailed')
    return error;
  return new ConflictError(
    ifNoneMatch
      ? 'the target already exists and overwrite is false, or the source changed during the copy'
      : 'the source changed during the copy; try again',
  );
}

/** Byte ranges of a multipart copy: at least 5 MiB each (but the last), at most 10,000 parts. */
export function copyPartRanges(
  size: number,
  preferredPartBytes: number,
): Array<{ start: number; end: number }> {
  const partBytes = Math.max(MIN_PART_BYTES, preferredPartBytes, Math.ceil(size / MAX_PARTS));
  const ranges: Array<{ start: number; end: number }> = [];
  for (let start = 0; start < size; start += partBytes) {
    ranges.push({ start, end: Math.min(size, start + partBytes) - 1 });
  }
  return ranges;
}

/** One multipart copy: the caller's client, where from, where to, and the part size asked for. */
interface PartsCopy {
  readonly bucket: string;
  readonly client: S3Client;
  readonly copySource: string;
  readonly input: CopyInput;
  readonly partBytes: number;
}

/**
 * Copies every range into the upload, `COPY_PART_CONCURRENCY` at a time (none started after a
 * failure); the parts' ETags in order.
 */
async function copyParts(job: PartsCopy, uploadId: string): Promise<string[]> {
  const { bucket, client, copySource, input } = job;
  const ranges = copyPartRanges(input.source.size, job.partBytes);
  const etags: string[] = new Array(ranges.length);
  await forEachConcurrently(ranges, COPY_PART_CONCURRENCY, async (range, index) => {
    const part = await client.send(
      new UploadPartCopyCommand({
        Bucket: bucket,
        Key: input.targetKey,
        UploadId: uploadId,
        PartNumber: index + 1,
        CopySource: copySource,
        CopySourceIfMatch: input.source.etag,
        CopySourceRange: `bytes=${range.start}-${range.end}`,
      }),
    );
    const etag = part.CopyPartResult?.ETag;
    if (etag === undefined) throw new UpstreamError('storage did not return a copied part');
    etags[index] = etag;
  });
  return etags;
}

/** A multipart copy, aborted on any failure so no parts are left behind; the new object's ETag. */
async function copyInParts(job: PartsCopy): Promise<string> {
  const { bucket, client, input } = job;
  const created = await client.send(
    new CreateMultipartUploadCommand({
      Bucket: bucket,
      Key: input.targetKey,
      ContentType: input.source.contentType,
    }),
  );
  const uploadId = created.UploadId;
  if (uploadId === undefined) throw new UpstreamError('storage did not start the multipart copy');
  try {
    const etags = await copyParts(job, uploadId);
    const completed = await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: input.targetKey,
        UploadId: uploadId,
        IfNoneMatch: input.ifNoneMatch ? '*' : undefined,
        MultipartUpload: { Parts: etags.map((ETag, index) => ({ ETag, PartNumber: index + 1 })) },
      }),
    );
    if (completed.ETag === undefined) throw new UpstreamError('storage did not complete the multipart copy');
    return completed.ETag;
  } catch (error) {
    await client
      .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: input.targetKey, UploadId: uploadId }))
      .catch(() => undefined); // the bucket's lifecycle rule aborts what this could not
    throw error;
  }
}

export function createCopier(
  context: StorageContext,
  options: Pick<StorageOptions, 'multipartCopyThresholdBytes' | 'copyPartBytes'>,
): Pick<Storage, 'copy'> {
  const { bucket, now, clientFor, accepted } = context;
  const multipartCopyThreshold = options.multipartCopyThresholdBytes ?? MAX_COPY_OBJECT_BYTES;
  const copyPartBytes = options.copyPartBytes ?? 512 * 1024 ** 2;

  return {
    async copy(session, input) {
      const client = clientFor(session);
      const copySource = `${bucket}/${encodeKeyPath(input.sourceKey)}`;
      const ifNoneMatch = input.ifNoneMatch ? '*' : undefined;
      const { size, etag } = input.source;
      let copied: { etag?: string; lastModified?: Date };
      try {
        if (size <= multipartCopyThreshold) {
          const output = await client.send(
            new CopyObjectCommand({
              Bucket: bucket,
              Key: input.targetKey,
              CopySource: copySource,
              CopySourceIfMatch: etag,
              IfNoneMatch: ifNoneMatch,
              // No tags, so no scan result: the copy is scanned as the new object it is. Copying
              // the tags would also need s3:PutObjectTagging, which only the scanner has.
              TaggingDirective: 'REPLACE',
            }),
          );
          copied = {
            etag: output.CopyObjectResult?.ETag,
            lastModified: output.CopyObjectResult?.LastModified,
          };
        } else {
          copied = {
            etag: await copyInParts({ bucket, client, copySource, input, partBytes: copyPartBytes }),
          };
        }
      } catch (error) {
        throw copyError(error, input.ifNoneMatch);
      }
      accepted(session);
      // Not a HEAD: with malware scanning the new object is held until scanned, and storage would
      // refuse to describe it. The copy is the source's bytes and type under a new ETag.
      return {
        ...input.source,
        etag: copied.etag ?? etag,
        lastModified: copied.lastModified ?? new Date(now()),
      };
    },
  };
}
