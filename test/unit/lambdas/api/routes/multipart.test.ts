import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListPartsCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, test, vi } from 'vitest';
import { loadConfig } from '../../../../../lambdas/api/config';
import { createStartMultipartRoute } from '../../../../../lambdas/api/routes/start-multipart';
import { decodeHandle, encodeHandle, MIB, type UploadHandle } from '../../../../../shared/domain/multipart';
import {
  alice,
  awsError,
  bob,
  ENV,
  type EventInput,
  event,
  expectBadRequest,
  expectContract,
  parse,
  useHarness,
} from '../../../support/fixtures';

const env = {
  ...ENV,
  MAX_UPLOAD_BYTES: String(1024 * MIB),
  UPLOAD_RULES: JSON.stringify({ public: { maxUploadBytes: 64 * MIB, allowedContentTypes: ['video/*'] } }),
};
const config = loadConfig(env);
const harness = useHarness({ config });
const SHA = 'LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=';
const UPLOAD_ID = 'mpu-0001.abc_def';

const post = (path: string, body: unknown, user = alice): EventInput => ({
  method: 'POST',
  path: `/files/multipart${path}`,
  body,
  user,
});
const valid = { level: 'private', key: 'videos/trip.mp4', contentType: 'video/mp4', size: 20 * MIB + 5 };
const handleOf = (change: Partial<UploadHandle> = {}): string =>
  encodeHandle({ ...valid, level: 'private', overwrite: true, uploadId: UPLOAD_ID, ...change });
const fullKey = (user = alice) => `private/${user.identityId}/videos/trip.mp4`;

function signedHeaders(url: string): string[] {
  return (new URL(url).searchParams.get('X-Amz-SignedHeaders') ?? '').split(';');
}

function storedParts(sizes: number[]) {
  return sizes.map((size, index) => ({
    PartNumber: index + 1,
    Size: size,
    ETag: `"etag-${index + 1}"`,
    ChecksumSHA256: SHA,
  }));
}

describe('POST /files/multipart (start)', () => {
  test('holds the quota reservation as long as the bucket keeps the unfinished upload', async () => {
    harness().aws.s3.on(CreateMultipartUploadCommand).resolves({ UploadId: UPLOAD_ID });
    const reserveUpload = vi.fn(async () => {});
    const deps = harness().app.deps;
    const route = createStartMultipartRoute({
      ...deps,
      config: loadConfig({ ...env, INCOMPLETE_UPLOAD_EXPIRY_DAYS: '30' }),
      quotas: { reserveUpload, standing: vi.fn() },
    });
    const response = await route(event(post('', valid)));
    expect(response.statusCode, response.body).toBe(201);
    expect(reserveUpload).toHaveBeenCalledWith(alice.identityId, fullKey(), valid.size, 30 * 24 * 3600);
  });

  test('starts an upload with SHA-256 part checksums in the caller folder and plans the parts', async () => {
    harness().aws.s3.on(CreateMultipartUploadCommand).resolves({ UploadId: UPLOAD_ID });
    const request = post('', valid);
    const response = await harness().call(request);
    expect(response.statusCode, response.body).toBe(201);
    expectContract(request, response);
    const body = parse(response);
    expect(body).toMatchObject({
      level: 'private',
      owner: alice.identityId,
      key: 'videos/trip.mp4',
      size: 20 * MIB + 5,
      partSize: 8 * MIB,
      partCount: 3,
    });
    expect(body.expiresAt).toBeUndefined();
    expect(decodeHandle(body.upload)).toEqual({ ...valid, overwrite: true, uploadId: UPLOAD_ID });
    const [create] = harness().aws.s3.commandCalls(CreateMultipartUploadCommand);
    expect(create?.args[0].input).toEqual({
      Bucket: 'user-files-test',
      Key: fullKey(),
      ContentType: 'video/mp4',
      ChecksumAlgorithm: 'SHA256',
    });
  });

  test("reports storage's abort date as expiresAt", async () => {
    const abort = new Date('2026-01-03T00:00:00Z');
    harness().aws.s3.on(CreateMultipartUploadCommand).resolves({ UploadId: UPLOAD_ID, AbortDate: abort });
    const response = await harness().call(post('', valid));
    expect(parse(response).expiresAt).toBe(abort.toISOString());
  });

  test('with overwrite false, an existing key answers 409 and nothing is started', async () => {
    harness().aws.s3.on(HeadObjectCommand).resolves({ ContentLength: 1, ETag: '"x"' });
    const request = post('', { ...valid, overwrite: false });
    const response = await harness().call(request);
    expect(response.statusCode).toBe(409);
    expectContract(request, response);
    expect(harness().aws.s3.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
  });

  test('applies the level rules: 413 over its size, 400 for a type it refuses', async () => {
    const big = await harness().call(post('', { ...valid, level: 'public', size: 64 * MIB + 1 }));
    expect(big.statusCode).toBe(413);
    expect(parse(big).field).toBe('size');
    const request = post('', { ...valid, level: 'public', contentType: 'text/html' });
    expectBadRequest(request, await harness().call(request), 'contentType');
    expect(harness().storageCalls()).toBe(0);
  });

  test.each([
    ['a zero size', { size: 0 }, 'size'],
    ['a size over 5 TiB', { size: 5 * 1024 ** 4 + 1 }, 'size'],
    ['a ".." key', { key: 'a/../b' }, 'key'],
    ['an unknown field', { partSize: 5 }, 'partSize'],
  ])('refuses %s naming the field', async (_name, change, field) => {
    const request = post('', { ...valid, ...change });
    expectBadRequest(request, await harness().call(request), field);
    expect(harness().storageCalls()).toBe(0);
  });
});

describe('POST /files/multipart/parts', () => {
  test('signs each part with its exact length (the last: the remainder) and the optional checksum', async () => {
    harness().aws.s3.on(ListPartsCommand).resolves({ Parts: [] });
    const request = post('/parts', {
      upload: handleOf(),
      parts: [{ number: 1, sha256: SHA }, { number: 3 }],
    });
    const response = await harness().call(request);
    expect(response.statusCode, response.body).toBe(201);
    expectContract(request, response);
    const { parts } = parse(response) as { parts: Array<Record<string, unknown>> };
    expect(parts.map((part) => [part.number, part.size, part.headers])).toEqual([
      [1, 8 * MIB, { 'Content-Length': String(8 * MIB), 'x-amz-checksum-sha256': SHA }],
      [3, 4 * MIB + 5, { 'Content-Length': String(4 * MIB + 5) }],
    ]);
    const first = new URL(parts[0]?.url as string);
    expect(decodeURIComponent(first.pathname)).toBe(`/${fullKey()}`);
    expect(first.searchParams.get('uploadId')).toBe(UPLOAD_ID);
    expect(first.searchParams.get('partNumber')).toBe('1');
    expect(signedHeaders(first.href)).toEqual(['content-length', 'host', 'x-amz-checksum-sha256']);
    expect(signedHeaders(parts[1]?.url as string)).toEqual(['content-length', 'host']);
    // The upload is checked to exist, with the caller's own credentials, for this key.
    const [list] = harness().aws.s3.commandCalls(ListPartsCommand);
    expect(list?.args[0].input).toMatchObject({ Key: fullKey(), UploadId: UPLOAD_ID, MaxParts: 1 });
  });

  test('checks the upload once, not once per request, until it is aborted', async () => {
    harness().aws.s3.on(ListPartsCommand).resolves({ Parts: [] });
    const ask = () => harness().call(post('/parts', { upload: handleOf(), parts: [{ number: 1 }] }));
    expect((await ask()).statusCode).toBe(201);
    expect((await ask()).statusCode).toBe(201);
    expect(harness().aws.s3.commandCalls(ListPartsCommand)).toHaveLength(1);
    // Another identity's request for the same handle is checked on its own.
    await harness().call(post('/parts', { upload: handleOf(), parts: [{ number: 1 }] }, bob));
    expect(harness().aws.s3.commandCalls(ListPartsCommand)).toHaveLength(2);
    expect((await harness().call(post('/abort', { upload: handleOf() }))).statusCode).toBe(204);
    harness().aws.s3.on(ListPartsCommand).rejects(awsError('NoSuchUpload', 404));
    expect((await ask()).statusCode).toBe(404);
  });

  test("another user's handle addresses the caller's own folder, never the handle's owner", async () => {
    harness().aws.s3.on(ListPartsCommand).resolves({ Parts: [] });
    const response = await harness().call(
      post('/parts', { upload: handleOf(), parts: [{ number: 1 }] }, bob),
    );
    expect(response.statusCode, response.body).toBe(201);
    const { parts } = parse(response) as { parts: Array<{ url: string }> };
    expect(decodeURIComponent(new URL(parts[0]?.url ?? '').pathname)).toBe(`/${fullKey(bob)}`);
  });

  test('a finished or invented upload answers 404 and signs nothing', async () => {
    harness().aws.s3.on(ListPartsCommand).rejects(awsError('NoSuchUpload', 404));
    const request = post('/parts', { upload: handleOf(), parts: [{ number: 1 }] });
    const response = await harness().call(request);
    expect(response.statusCode).toBe(404);
    expectContract(request, response);
    expect(response.body).not.toContain('X-Amz-Signature');
  });

  test.each([
    ['a part past the end', { parts: [{ number: 4 }] }, 'parts'],
    ['part 0', { parts: [{ number: 0 }] }, 'parts.0.number'],
    ['a repeated part', { parts: [{ number: 1 }, { number: 1 }] }, 'parts'],
    ['no parts', { parts: [] }, 'parts'],
    ['101 parts', { parts: Array.from({ length: 101 }, (_, i) => ({ number: i + 1 })) }, 'parts'],
    ['a bad checksum', { parts: [{ number: 1, sha256: 'abc' }] }, 'parts.0.sha256'],
    ['a garbage handle', { upload: 'garbage!' }, 'upload'],
    ['a handle with a ".." key', { upload: handleOf({ key: '../../other/x' }) }, 'upload'],
    [
      'a handle edited past the level size',
      { upload: handleOf({ level: 'public', size: 65 * MIB }) },
      'upload',
    ],
    [
      'a handle edited to a refused type',
      { upload: handleOf({ level: 'public', contentType: 'text/html' }) },
      'upload',
    ],
  ])('refuses %s with 400 naming the field, calling nothing', async (_name, change, field) => {
    const request = post('/parts', { upload: handleOf(), parts: [{ number: 1 }], ...change });
    expectBadRequest(request, await harness().call(request), field);
    expect(harness().storageCalls()).toBe(0);
  });
});

describe('POST /files/multipart/progress', () => {
  test('reads every page of parts from storage', async () => {
    const all = storedParts([8 * MIB, 8 * MIB, 4 * MIB + 5]);
    harness()
      .aws.s3.on(ListPartsCommand, { PartNumberMarker: undefined })
      .resolves({ Parts: all.slice(0, 2), IsTruncated: true, NextPartNumberMarker: '2' })
      .on(ListPartsCommand, { PartNumberMarker: '2' })
      .resolves({ Parts: all.slice(2), IsTruncated: false });
    const request = post('/progress', { upload: handleOf() });
    const response = await harness().call(request);
    expect(response.statusCode, response.body).toBe(200);
    expectContract(request, response);
    expect(parse(response)).toMatchObject({
      partCount: 3,
      parts: [
        { number: 1, size: 8 * MIB, etag: '"etag-1"', sha256: SHA },
        { number: 2, size: 8 * MIB, etag: '"etag-2"', sha256: SHA },
        { number: 3, size: 4 * MIB + 5, etag: '"etag-3"', sha256: SHA },
      ],
    });
    expect(harness().aws.s3.commandCalls(ListPartsCommand)).toHaveLength(2);
  });
});

describe('POST /files/multipart/complete', () => {
  const head = {
    ContentLength: 20 * MIB + 5,
    ContentType: 'video/mp4',
    ETag: '"abc-3"',
    LastModified: new Date(),
  };

  test('completes with exactly the stored parts and their checksums, If-None-Match when overwrite is false', async () => {
    harness()
      .aws.s3.on(ListPartsCommand)
      .resolves({ Parts: storedParts([8 * MIB, 8 * MIB, 4 * MIB + 5]) });
    harness().aws.s3.on(CompleteMultipartUploadCommand).resolves({ ETag: '"abc-3"' });
    harness().aws.s3.on(HeadObjectCommand).resolves(head);
    const request = post('/complete', { upload: handleOf({ overwrite: false }) });
    const response = await harness().call(request);
    expect(response.statusCode, response.body).toBe(200);
    expectContract(request, response);
    expect(parse(response)).toMatchObject({ key: 'videos/trip.mp4', size: 20 * MIB + 5, etag: '"abc-3"' });
    const [complete] = harness().aws.s3.commandCalls(CompleteMultipartUploadCommand);
    expect(complete?.args[0].input).toEqual({
      Bucket: 'user-files-test',
      Key: fullKey(),
      UploadId: UPLOAD_ID,
      IfNoneMatch: '*',
      MultipartUpload: {
        Parts: [1, 2, 3].map((n) => ({ PartNumber: n, ETag: `"etag-${n}"`, ChecksumSHA256: SHA })),
      },
    });
  });

  test('without If-None-Match when overwrite is true', async () => {
    harness()
      .aws.s3.on(ListPartsCommand)
      .resolves({ Parts: storedParts([8 * MIB, 8 * MIB, 4 * MIB + 5]) });
    harness().aws.s3.on(CompleteMultipartUploadCommand).resolves({ ETag: '"abc-3"' });
    harness().aws.s3.on(HeadObjectCommand).resolves(head);
    await harness().call(post('/complete', { upload: handleOf() }));
    const [complete] = harness().aws.s3.commandCalls(CompleteMultipartUploadCommand);
    expect(complete?.args[0].input.IfNoneMatch).toBeUndefined();
  });

  test.each([
    ['a missing part', [8 * MIB, 8 * MIB], /part 3 of 3/],
    ['an extra part', [8 * MIB, 8 * MIB, 4 * MIB + 5, 1], /part 4/],
    ['a part of another size', [8 * MIB, 8 * MIB - 1, 4 * MIB + 5], /part 2 holds/],
  ])('refuses %s with 400 naming upload, creating nothing', async (_name, sizes, detail) => {
    harness()
      .aws.s3.on(ListPartsCommand)
      .resolves({ Parts: storedParts(sizes) });
    const request = post('/complete', { upload: handleOf() });
    const response = await harness().call(request);
    expectBadRequest(request, response, 'upload');
    expect(parse(response).detail).toMatch(detail);
    expect(harness().aws.s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });

  test('a writer that got there first (412 from storage) answers 409', async () => {
    harness()
      .aws.s3.on(ListPartsCommand)
      .resolves({ Parts: storedParts([8 * MIB, 8 * MIB, 4 * MIB + 5]) });
    harness().aws.s3.on(CompleteMultipartUploadCommand).rejects(awsError('PreconditionFailed', 412));
    const request = post('/complete', { upload: handleOf({ overwrite: false }) });
    const response = await harness().call(request);
    expect(response.statusCode).toBe(409);
    expectContract(request, response);
  });

  test("storage's own part refusal (parts changed meanwhile) is a 400 naming upload", async () => {
    harness()
      .aws.s3.on(ListPartsCommand)
      .resolves({ Parts: storedParts([8 * MIB, 8 * MIB, 4 * MIB + 5]) });
    harness().aws.s3.on(CompleteMultipartUploadCommand).rejects(awsError('InvalidPart', 400));
    const request = post('/complete', { upload: handleOf() });
    expectBadRequest(request, await harness().call(request), 'upload');
  });
});

describe('POST /files/multipart/abort', () => {
  test('aborts the upload in the caller folder', async () => {
    const request = post('/abort', { upload: handleOf() });
    const response = await harness().call(request);
    expect(response.statusCode).toBe(204);
    const [abort] = harness().aws.s3.commandCalls(AbortMultipartUploadCommand);
    expect(abort?.args[0].input).toEqual({ Bucket: 'user-files-test', Key: fullKey(), UploadId: UPLOAD_ID });
  });

  test('is idempotent: an upload that no longer exists answers 204', async () => {
    harness().aws.s3.on(AbortMultipartUploadCommand).rejects(awsError('NoSuchUpload', 404));
    expect((await harness().call(post('/abort', { upload: handleOf() }))).statusCode).toBe(204);
  });

  test('works for a handle outside the current rules (abandoning writes nothing)', async () => {
    const response = await harness().call(
      post('/abort', { upload: handleOf({ level: 'public', contentType: 'text/html' }) }),
    );
    expect(response.statusCode).toBe(204);
  });

  test('a refusal by storage is a 403, not a success', async () => {
    harness().aws.s3.on(AbortMultipartUploadCommand).rejects(awsError('AccessDenied', 403));
    expect((await harness().call(post('/abort', { upload: handleOf() }))).statusCode).toBe(403);
  });
});
