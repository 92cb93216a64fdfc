/**
 * The storage adapter's copies and bulk deletes over a mocked S3 client: one CopyObject up to the
 * threshold, a multipart copy above it (ranges, ETag-pinned parts, conditional completion, abort on
 * failure), and DeleteObjects that never hides a refused key.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  HeadObjectCommand,
  S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, test } from 'vitest';
import type { IdentitySession } from '../../../../lambdas/aws/identity';
import { copyPartRanges, createStorage } from '../../../../lambdas/aws/storage';
import { ConflictError, ForbiddenError, UpstreamError } from '../../../../shared/domain/errors';
import { alice, awsError, credentialsFor, T0 } from '../../support/fixtures';

const s3 = mockClient(S3Client);
afterEach(() => s3.reset());

const issued = credentialsFor(alice, new Date(T0 + 3_600_000));
const session: IdentitySession = {
  identityId: alice.identityId,
  credentials: {
    accessKeyId: issued.AccessKeyId,
    secretAccessKey: issued.SecretAccessKey,
    sessionToken: issued.SessionToken,
    expiration: issued.Expiration,
    obtainedAt: T0,
  },
};

const MiB = 1024 ** 2;
const storage = createStorage({
  bucket: 'b',
  region: 'us-east-1',
  now: () => T0,
  multipartCopyThresholdBytes: 20 * MiB,
  copyPartBytes: 8 * MiB,
});
const source = (size: number) => ({
  size,
  contentType: 'video/mp4',
  etag: '"src"',
  lastModified: new Date(T0),
});
const input = (size: number, ifNoneMatch = false) => ({
  sourceKey: `protected/${alice.identityId}/a b.mp4`,
  targetKey: `private/${alice.identityId}/copy.mp4`,
  source: source(size),
  ifNoneMatch,
});

describe('copy', () => {
  test('up to the threshold: one CopyObject, the source key URL-encoded segment by segment', async () => {
    s3.on(CopyObjectCommand).resolves({
      CopyObjectResult: { ETag: '"new"', LastModified: new Date(T0 + 1) },
    });
    const copied = await storage.copy(session, input(20 * MiB, true));
    expect(copied).toMatchObject({ size: 20 * MiB, etag: '"new"', contentType: 'video/mp4' });
    expect(s3.commandCalls(CopyObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: 'b',
      Key: `private/${alice.identityId}/copy.mp4`,
      CopySource: `b/protected/${encodeURIComponent(alice.identityId)}/a%20b.mp4`,
      CopySourceIfMatch: '"src"',
      IfNoneMatch: '*',
      TaggingDirective: 'REPLACE',
    });
    expect(s3.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
  });

  test('above it: parts copied by range, pinned to the ETag, completed with If-None-Match', async () => {
    const size = 20 * MiB + 1;
    s3.on(CreateMultipartUploadCommand)
      .resolves({ UploadId: 'up-1' })
      .on(UploadPartCopyCommand)
      .callsFake((part: { PartNumber?: number }) => ({ CopyPartResult: { ETag: `"p${part.PartNumber}"` } }))
      .on(CompleteMultipartUploadCommand)
      .resolves({ ETag: '"whole"' })
      // With malware scanning, storage refuses a HEAD of the new (untagged) copy.
      .on(HeadObjectCommand)
      .rejects(awsError('Forbidden', 403));
    const copied = await storage.copy(session, input(size, true));
    // The answer is built from the completion, never a HEAD of the held target.
    expect(copied).toEqual({
      size,
      contentType: 'video/mp4',
      etag: '"whole"',
      lastModified: new Date(T0),
    });
    expect(s3.commandCalls(HeadObjectCommand)).toHaveLength(0);
    expect(s3.commandCalls(CreateMultipartUploadCommand)[0]?.args[0].input).toMatchObject({
      Key: `private/${alice.identityId}/copy.mp4`,
      ContentType: 'video/mp4',
    });
    const parts = s3
      .commandCalls(UploadPartCopyCommand)
      .map((call) => call.args[0].input)
      .sort((x, y) => (x.PartNumber ?? 0) - (y.PartNumber ?? 0));
    expect(parts.map((part) => part.CopySourceRange)).toEqual([
      `bytes=0-${8 * MiB - 1}`,
      `bytes=${8 * MiB}-${16 * MiB - 1}`,
      `bytes=${16 * MiB}-${size - 1}`,
    ]);
    expect(parts.every((part) => part.CopySourceIfMatch === '"src"' && part.UploadId === 'up-1')).toBe(true);
    const complete = s3.commandCalls(CompleteMultipartUploadCommand)[0]?.args[0].input;
    expect(complete?.IfNoneMatch).toBe('*');
    expect(complete?.MultipartUpload?.Parts).toEqual([
      { ETag: '"p1"', PartNumber: 1 },
      { ETag: '"p2"', PartNumber: 2 },
      { ETag: '"p3"', PartNumber: 3 },
    ]);
    expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(0);
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(0);
  });

  test('a failed multipart copy is aborted; 412 on completion is a conflict', async () => {
    s3.on(CreateMultipartUploadCommand)
      .resolves({ UploadId: 'up-2' })
      .on(UploadPartCopyCommand)
      .resolves({ CopyPartResult: { ETag: '"p"' } })
      .on(CompleteMultipartUploadCommand)
      .rejects(awsError('PreconditionFailed', 412))
      .on(AbortMultipartUploadCommand)
      .resolves({});
    await expect(storage.copy(session, input(30 * MiB, true))).rejects.toThrow(ConflictError);
    expect(s3.commandCalls(AbortMultipartUploadCommand)[0]?.args[0].input).toMatchObject({
      UploadId: 'up-2',
      Key: `private/${alice.identityId}/copy.mp4`,
    });
  });

  test('a part refused by storage aborts the upload and surfaces the refusal', async () => {
    s3.on(CreateMultipartUploadCommand)
      .resolves({ UploadId: 'up-3' })
      .on(UploadPartCopyCommand)
      .rejects(awsError('AccessDenied', 403))
      .on(AbortMultipartUploadCommand)
      .resolves({});
    await expect(storage.copy(session, input(30 * MiB))).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });
});

describe('copyPartRanges', () => {
  test('covers every byte once, within 10,000 parts of at least 5 MiB', () => {
    for (const size of [5 * 1024 ** 3 + 1, 5 * 1024 ** 4]) {
      const ranges = copyPartRanges(size, 512 * MiB);
      expect(ranges.length).toBeLessThanOrEqual(10_000);
      expect(ranges[0]?.start).toBe(0);
      expect(ranges.at(-1)?.end).toBe(size - 1);
      for (let i = 1; i < ranges.length; i++) expect(ranges[i]?.start).toBe((ranges[i - 1]?.end ?? 0) + 1);
      for (const range of ranges.slice(0, -1))
        expect(range.end - range.start + 1).toBeGreaterThanOrEqual(5 * MiB);
    }
    expect(copyPartRanges(10, 1)).toEqual([{ start: 0, end: 9 }]);
  });
});

describe('deleteMany', () => {
  const keys = Array.from({ length: 1000 }, (_, i) => `private/${alice.identityId}/${i}`);

  test('one quiet DeleteObjects for up to 1,000 keys', async () => {
    s3.on(DeleteObjectsCommand).resolves({});
    await storage.deleteMany(session, keys);
    const call = s3.commandCalls(DeleteObjectsCommand)[0]?.args[0].input;
    expect(call?.Delete?.Quiet).toBe(true);
    expect(call?.Delete?.Objects?.map((object) => object.Key)).toEqual(keys);
    await expect(storage.deleteMany(session, [...keys, 'one more'])).rejects.toThrow(RangeError);
  });

  test('a key storage refused is an error, never a silent success', async () => {
    s3.on(DeleteObjectsCommand).resolves({ Errors: [{ Key: keys[0], Code: 'AccessDenied' }] });
    await expect(storage.deleteMany(session, keys)).rejects.toThrow(ForbiddenError);
    s3.on(DeleteObjectsCommand).resolves({ Errors: [{ Key: keys[0], Code: 'InternalError' }] });
    await expect(storage.deleteMany(session, keys)).rejects.toThrow(UpstreamError);
  });
});
