/**
 * Multipart uploads the client drives itself: start, list and check parts (a confirmed upload is
 * remembered for a minute), complete and abort; storage's multipart errors named for the client.
 * The part URLs themselves are presigned in `presign.ts`.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  type ListPartsCommandOutput,
} from '@aws-sdk/client-s3';
import { LRUCache } from 'lru-cache';
import { NotFoundError, UpstreamError, ValidationError } from '../../../shared/domain/errors';
import { SHA256_BASE64 } from '../../../shared/domain/limits';
import type { StoredPart } from '../../../shared/domain/multipart';
import type { IdentitySession } from '../identity';
import type { StorageContext } from './client';
import type { MultipartTarget, Storage } from './types';

type MultipartOperations = Pick<
  Storage,
  'createMultipart' | 'checkUpload' | 'listParts' | 'completeMultipart' | 'abortMultipart'
>;

const LIST_PARTS_PAGE = 1000;
/** How long a confirmed upload is trusted to exist: only a courtesy, as storage refuses parts of a gone upload. */
const CONFIRMED_UPLOAD_TTL_MS = 60_000;

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { name, Code } = error as { name?: unknown; Code?: unknown };
  return typeof Code === 'string' ? Code : typeof name === 'string' ? name : undefined;
}

/** A multipart call's error, named: a vanished upload is a 404, a refused part list a 400. */
function multipartError(error: unknown): unknown {
  const code = errorCode(error);
  if (code === 'NoSuchUpload') {
    return new NotFoundError('no such upload: it was completed, aborted or has expired');
  }
  // Storage's own part checks, reached only if the parts changed between our listing and the
  // completion: the client's doing, so a 400 naming the handle.
  if (code === 'InvalidPart' || code === 'InvalidPartOrder' || code === 'EntityTooSmall') {
    return ValidationError.of(
      'upload',
      `storage refused the parts (${code}); ask for the progress and retry`,
    );
  }
  return error;
}

/** The complete parts of one ListParts page; a SHA-256 only when storage holds a valid one. */
function storedParts(output: ListPartsCommandOutput): StoredPart[] {
  return (output.Parts ?? []).flatMap((part) => {
    if (part.PartNumber === undefined || part.ETag === undefined || part.Size === undefined) return [];
    const sha256 = part.ChecksumSHA256;
    return [
      {
        partNumber: part.PartNumber,
        size: part.Size,
        etag: part.ETag,
        ...(sha256 !== undefined && SHA256_BASE64.test(sha256) ? { sha256 } : {}),
      },
    ];
  });
}

/** One page of the upload's parts. */
async function listPage(
  { bucket, clientFor }: StorageContext,
  session: IdentitySession,
  input: MultipartTarget,
  page: { readonly maxParts: number; readonly marker: string | undefined },
): Promise<ListPartsCommandOutput> {
  try {
    return await clientFor(session).send(
      new ListPartsCommand({
        Bucket: bucket,
        Key: input.key,
        UploadId: input.uploadId,
        MaxParts: page.maxParts,
        PartNumberMarker: page.marker,
      }),
    );
  } catch (error) {
    throw multipartError(error);
  }
}

/** The completion of exactly `parts`; `If-None-Match: *` when the key must not exist yet. */
function completeCommand(bucket: string, input: Parameters<Storage['completeMultipart']>[1]) {
  return new CompleteMultipartUploadCommand({
    Bucket: bucket,
    Key: input.key,
    UploadId: input.uploadId,
    IfNoneMatch: input.ifNoneMatch ? '*' : undefined,
    MultipartUpload: {
      Parts: input.parts.map((part) => ({
        PartNumber: part.partNumber,
        ETag: part.etag,
        ChecksumSHA256: part.sha256,
      })),
    },
  });
}

export function createMultipartOperations(context: StorageContext): MultipartOperations {
  const { bucket, clientFor } = context;
  const confirmedUploads = new LRUCache<string, true>({ max: 1_000, ttl: CONFIRMED_UPLOAD_TTL_MS });
  const uploadKey = (session: IdentitySession, target: MultipartTarget) =>
    JSON.stringify([session.identityId, target.key, target.uploadId]);

  const operations: MultipartOperations = {
    async createMultipart(session, input) {
      const output = await clientFor(session).send(
        new CreateMultipartUploadCommand({
          Bucket: bucket,
          Key: input.key,
          ContentType: input.contentType,
          // Every part then has a SHA-256 in storage: verified against the one the client signs,
          // or computed by storage when the client sends none.
          ChecksumAlgorithm: 'SHA256',
        }),
      );
      if (output.UploadId === undefined) throw new UpstreamError('storage returned no upload ID');
      return output.AbortDate === undefined
        ? { uploadId: output.UploadId }
        : { uploadId: output.UploadId, abortDate: output.AbortDate };
    },

    async checkUpload(session, input) {
      const key = uploadKey(session, input);
      if (confirmedUploads.has(key)) return;
      await operations.listParts(session, input, 1);
      confirmedUploads.set(key, true);
    },

    async listParts(session, input, maxParts) {
      const parts: StoredPart[] = [];
      let marker: string | undefined;
      let abortDate: Date | undefined;
      // At most 10 pages: an upload has at most 10,000 parts.
      for (;;) {
        const output = await listPage(context, session, input, {
          maxParts: maxParts ?? LIST_PARTS_PAGE,
          marker,
        });
        abortDate ??= output.AbortDate;
        parts.push(...storedParts(output));
        const next = output.NextPartNumberMarker;
        if (maxParts !== undefined || !output.IsTruncated || next === undefined || next === marker) break;
        marker = next;
      }
      return abortDate === undefined ? { parts } : { parts, abortDate };
    },

    async completeMultipart(session, input) {
      confirmedUploads.delete(uploadKey(session, input));
      let etag: string | undefined;
      try {
        ({ ETag: etag } = await clientFor(session).send(completeCommand(bucket, input)));
      } catch (error) {
        throw multipartError(error);
      }
      if (etag === undefined) throw new UpstreamError('storage did not complete the upload');
      return { etag };
    },

    async abortMultipart(session, input) {
      confirmedUploads.delete(uploadKey(session, input));
      try {
        await clientFor(session).send(
          new AbortMultipartUploadCommand({ Bucket: bucket, Key: input.key, UploadId: input.uploadId }),
        );
      } catch (error) {
        if (errorCode(error) === 'NoSuchUpload') return;
        throw error;
      }
    },
  };
  return operations;
}
