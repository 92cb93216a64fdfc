/**
 * Multipart uploads on the real stack: the client helper end to end (64 MiB in 8 MiB parts, and a
 * process killed half-way then resumed by another from its file store), storage refusing any part
 * sent other than as signed, the server-side completion checks, racing conditional completions,
 * abort, and storage's own multipart errors with the user's own credentials.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { components } from '../../shared/api/schema';
import { upload } from '../../shared/api/upload';
import { decodeHandle } from '../../shared/domain/multipart';
import { startUploadChild, type UploadChildResult, uploadChildLines } from '../support/upload-process';
import { deleteAllUnder, identityCredentials, type Session, signIn, storageAs } from './support/session';
import { runPrefix, s3ErrorCode, send, sha256Base64, swapOwner } from './support/storage';
import { e2eTarget } from './support/target';

type PartUrl = components['schemas']['PartUrls']['parts'][number];

const MIB = 1024 * 1024;
const target = e2eTarget();
const prefix = runPrefix('multipart');
let alice: Session;
let bob: Session;
let aliceStorage: S3Client;
let aliceFolder: string;
let workDir: string;

beforeAll(async () => {
  const [first, second] = await Promise.all(target.users.map((user) => signIn(target, user)));
  if (!first || !second) throw new Error('two users expected');
  alice = first;
  bob = second;
  aliceStorage = storageAs(target, await identityCredentials(target, alice.idToken));
  aliceFolder = `private/${alice.identityId}/`;
  workDir = await mkdtemp(join(tmpdir(), 'e2e-multipart-'));
});

afterAll(async () => {
  aliceStorage?.destroy();
  if (workDir) await rm(workDir, { recursive: true, force: true });
  await Promise.all([alice, bob].filter(Boolean).map((user) => deleteAllUnder(user.api, prefix)));
});

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

// Random bytes, declared as what they are: the events function removes an object whose bytes do
// not match its declared type (random bytes declared video/mp4 would be removed after completing).
async function start(user: Session, key: string, size: number, overwrite?: boolean) {
  const started = await user.api.POST('/files/multipart', {
    body: {
      level: 'private',
      key,
      contentType: 'application/octet-stream',
      size,
      ...(overwrite === undefined ? {} : { overwrite }),
    },
  });
  if (!started.data) throw new Error(`start expected 201, got ${started.response.status}`);
  return started.data;
}

async function partUrls(user: Session, handle: string, parts: Array<{ number: number; sha256?: string }>) {
  const signed = await user.api.POST('/files/multipart/parts', { body: { upload: handle, parts } });
  if (!signed.data) throw new Error(`part URLs expected 201, got ${signed.response.status}`);
  return signed.data.parts;
}

function put(part: PartUrl, body: Uint8Array, headers = part.headers, url = part.url): Promise<Response> {
  return send({ method: 'PUT', url, headers, expiresAt: '', level: 'private', owner: '', key: '' }, { body });
}

async function download(user: Session, key: string): Promise<Uint8Array> {
  const url = await user.api.POST('/files/downloads', { body: { level: 'private', key } });
  if (!url.data) throw new Error(`download URL expected, got ${url.response.status}`);
  const got = await send(url.data);
  expect(got.status).toBe(200);
  return new Uint8Array(await got.arrayBuffer());
}

async function stored(user: Session, key: string): Promise<number> {
  const result = await user.api.GET('/files/properties', { params: { query: { level: 'private', key } } });
  return result.response.status;
}

/** Uploads every part of `body` through the API's URLs, each with its checksum. */
async function sendAll(user: Session, handle: string, body: Uint8Array, partSize: number, numbers: number[]) {
  const slices = new Map(numbers.map((n) => [n, body.subarray((n - 1) * partSize, n * partSize)]));
  const urls = await partUrls(
    user,
    handle,
    numbers.map((number) => ({ number, sha256: sha256Base64(slices.get(number) ?? new Uint8Array()) })),
  );
  for (const part of urls) {
    const response = await put(part, slices.get(part.number) ?? new Uint8Array());
    expect(response.status, await response.clone().text()).toBe(200);
  }
}

describe('the upload helper', () => {
  it('uploads 64 MiB in eight 8 MiB parts, four at a time, byte for byte', async () => {
    const key = `${prefix}helper/64.bin`;
    const body = new Uint8Array(randomBytes(64 * MIB));
    const progress: number[] = [];
    const result = await upload({
      client: alice.api,
      level: 'private',
      key,
      contentType: 'application/octet-stream',
      body,
      onProgress: ({ sentBytes }) => progress.push(sentBytes),
    });
    expect(result).toMatchObject({ multipart: true, size: 64 * MIB, resumedParts: 0, bytesSent: 64 * MIB });
    expect(progress).toHaveLength(8);
    expect(progress.at(-1)).toBe(64 * MIB);
    expect(sha(await download(alice, key))).toBe(sha(body));
  });

  it('resumes in a new process, from the file store, an upload whose process was killed half-way', async () => {
    const key = `${prefix}helper/resumed.bin`;
    const path = join(workDir, 'video.bin');
    const storeDir = join(workDir, 'store');
    const body = new Uint8Array(randomBytes(48 * MIB)); // 6 parts
    await writeFile(path, body);
    const settings = { apiUrl: target.apiUrl, idToken: alice.idToken, path, storeDir, key, concurrency: 2 };

    // The first process is killed (SIGKILL: no cleanup) once half the bytes are in storage.
    const first = startUploadChild(settings);
    for await (const line of uploadChildLines(first)) {
      if (line.kind === 'progress' && line.bytes >= 24 * MIB) break;
    }
    first.kill('SIGKILL');
    await exited(first);
    expect(await stored(alice, key)).toBe(404);

    const second = startUploadChild(settings);
    let result: UploadChildResult | undefined;
    for await (const line of uploadChildLines(second)) {
      if (line.kind === 'result') result = line.result;
    }
    expect(await exited(second)).toBe(0);
    expect(result?.size).toBe(48 * MIB);
    expect(result?.resumedParts).toBeGreaterThanOrEqual(3);
    expect(result?.bytesSent).toBeLessThanOrEqual(3 * 8 * MIB);
    expect(sha(await download(alice, key))).toBe(sha(body));
  });
});

function exited(process: ChildProcess): Promise<number | null> {
  if (process.exitCode !== null || process.signalCode !== null) return Promise.resolve(process.exitCode);
  return new Promise((resolve) => process.once('exit', (code) => resolve(code)));
}

describe('storage refuses a part sent other than as signed', () => {
  const size = 16 * MIB + 10;
  let handle: string;
  let partA: Uint8Array;
  let partB: Uint8Array;
  let urls: PartUrl[];

  beforeAll(async () => {
    const started = await start(alice, `${prefix}refused/parts.bin`, size);
    handle = started.upload;
    partA = new Uint8Array(randomBytes(8 * MIB));
    partB = new Uint8Array(randomBytes(8 * MIB));
    urls = await partUrls(alice, handle, [
      { number: 1, sha256: sha256Base64(partA) },
      { number: 2, sha256: sha256Base64(partB) },
    ]);
  });

  afterAll(async () => {
    await alice.api.POST('/files/multipart/abort', { body: { upload: handle } });
  });

  async function storedParts(): Promise<number[]> {
    const progress = await alice.api.POST('/files/multipart/progress', { body: { upload: handle } });
    return (progress.data?.parts ?? []).map((part) => part.number);
  }

  it.each([
    ['a shorter body', 8 * MIB - 1],
    ['a longer body', 8 * MIB + 1],
  ])('%s than signed: 403 SignatureDoesNotMatch', async (_name, length) => {
    const [first] = urls;
    if (!first) throw new Error('URL expected');
    const response = await put(first, new Uint8Array(randomBytes(length)));
    expect(response.status).toBe(403);
    expect(await s3ErrorCode(response)).toBe('SignatureDoesNotMatch');
    expect(await storedParts()).toEqual([]);
  });

  it("another part's bytes under the signed checksum: 400 BadDigest", async () => {
    const [first] = urls;
    if (!first) throw new Error('URL expected');
    const response = await put(first, partB);
    expect(response.status).toBe(400);
    expect(await s3ErrorCode(response)).toBe('BadDigest');
    expect(await storedParts()).toEqual([]);
  });

  it('another checksum header than signed: 403 SignatureDoesNotMatch', async () => {
    const [first] = urls;
    if (!first) throw new Error('URL expected');
    const headers = { ...first.headers, 'x-amz-checksum-sha256': sha256Base64(partB) };
    const response = await put(first, partB, headers);
    expect(response.status).toBe(403);
    expect(await s3ErrorCode(response)).toBe('SignatureDoesNotMatch');
  });

  it("another part's URL (its number edited): 403 SignatureDoesNotMatch", async () => {
    const [first] = urls;
    if (!first) throw new Error('URL expected');
    const edited = new URL(first.url);
    edited.searchParams.set('partNumber', '2');
    const response = await put(first, partA, first.headers, edited.toString());
    expect(response.status).toBe(403);
    expect(await s3ErrorCode(response)).toBe('SignatureDoesNotMatch');
  });

  it("the other user: Alice's part URL moved into Bob's folder is refused, and Bob's API calls with Alice's handle never reach her folder", async () => {
    const [first] = urls;
    if (!first) throw new Error('URL expected');
    const moved = swapOwner(first.url, alice.identityId, bob.identityId);
    const response = await put(first, partA, first.headers, moved);
    expect(response.status).toBe(403);

    // Bob's copy of the handle addresses Bob's own folder: whatever storage answers, no URL he gets
    // names Alice's folder.
    const signed = await bob.api.POST('/files/multipart/parts', {
      body: { upload: handle, parts: [{ number: 1 }] },
    });
    for (const part of signed.data?.parts ?? []) {
      expect(decodeURIComponent(new URL(part.url).pathname)).toContain(`/private/${bob.identityId}/`);
      expect(decodeURIComponent(new URL(part.url).pathname)).not.toContain(alice.identityId);
    }
    expect([201, 404]).toContain(signed.response.status);
  });

  it('a part as signed is stored, with its size', async () => {
    const [first] = urls;
    if (!first) throw new Error('URL expected');
    const response = await put(first, partA);
    expect(response.status).toBe(200);
    const progress = await alice.api.POST('/files/multipart/progress', { body: { upload: handle } });
    expect(progress.data?.parts).toEqual([expect.objectContaining({ number: 1, size: 8 * MIB })]);
  });
});

describe('completion', () => {
  const size = 16 * MIB + 10;
  const body = new Uint8Array(randomBytes(size));

  it('refuses a missing part with 400 naming upload, and creates nothing', async () => {
    const key = `${prefix}complete/missing.bin`;
    const started = await start(alice, key, size);
    await sendAll(alice, started.upload, body, started.partSize, [1, 3]);
    const completed = await alice.api.POST('/files/multipart/complete', { body: { upload: started.upload } });
    expect(completed.response.status).toBe(400);
    expect(completed.error).toMatchObject({ field: 'upload', detail: expect.stringMatching(/part 2 of 3/) });
    expect(await stored(alice, key)).toBe(404);
    await alice.api.POST('/files/multipart/abort', { body: { upload: started.upload } });
  });

  it('refuses an extra part (sent straight to storage) with 400, and creates nothing', async () => {
    const key = `${prefix}complete/extra.bin`;
    const started = await start(alice, key, size);
    await sendAll(alice, started.upload, body, started.partSize, [1, 2, 3]);
    // The API will not sign part 4, but the user's own credentials can upload it.
    const signed = await alice.api.POST('/files/multipart/parts', {
      body: { upload: started.upload, parts: [{ number: 4 }] },
    });
    expect(signed.response.status).toBe(400);
    // The handle is opaque to clients; the test reads storage's upload ID from it.
    const { uploadId: UploadId } = decodeHandle(started.upload);
    await aliceStorage.send(
      new UploadPartCommand({
        Bucket: target.bucketName,
        Key: aliceFolder + key,
        UploadId,
        PartNumber: 4,
        Body: new Uint8Array(5),
      }),
    );
    const completed = await alice.api.POST('/files/multipart/complete', { body: { upload: started.upload } });
    expect(completed.response.status).toBe(400);
    expect(completed.error).toMatchObject({ field: 'upload', detail: expect.stringMatching(/part 4/) });
    expect(await stored(alice, key)).toBe(404);
    await alice.api.POST('/files/multipart/abort', { body: { upload: started.upload } });
  });

  it('answers the object properties when every part is there', async () => {
    const key = `${prefix}complete/whole.bin`;
    const started = await start(alice, key, size);
    expect(started).toMatchObject({ partSize: 8 * MIB, partCount: 3, owner: alice.identityId, key });
    await sendAll(alice, started.upload, body, started.partSize, [3, 1, 2]);
    const completed = await alice.api.POST('/files/multipart/complete', { body: { upload: started.upload } });
    expect(completed.response.status).toBe(200);
    expect(completed.data).toMatchObject({
      key,
      size,
      contentType: 'application/octet-stream',
      owner: alice.identityId,
    });
    expect(sha(await download(alice, key))).toBe(sha(body));
    // Completed: the handle is spent.
    const again = await alice.api.POST('/files/multipart/progress', { body: { upload: started.upload } });
    expect(again.response.status).toBe(404);
  });

  it('overwrite false: two uploads started while the key was free, completed at once: one winner, one 409', async () => {
    const key = `${prefix}complete/race.bin`;
    const other = new Uint8Array(randomBytes(size));
    const [one, two] = await Promise.all([start(alice, key, size, false), start(alice, key, size, false)]);
    await Promise.all([
      sendAll(alice, one.upload, body, one.partSize, [1, 2, 3]),
      sendAll(alice, two.upload, other, two.partSize, [1, 2, 3]),
    ]);
    // Both completions race; storage lets exactly one win, and the other answers 409.
    const [a, b] = await Promise.all([
      alice.api.POST('/files/multipart/complete', { body: { upload: one.upload } }),
      alice.api.POST('/files/multipart/complete', { body: { upload: two.upload } }),
    ]);
    expect([a.response.status, b.response.status].sort()).toEqual([200, 409]);
    const loser = a.response.status === 409 ? a : b;
    expect(loser.error).toMatchObject({ code: 'conflict' });
    const winner = a.response.status === 200 ? body : other;
    expect(sha(await download(alice, key))).toBe(sha(winner));

    const late = await alice.api.POST('/files/multipart', {
      body: { level: 'private', key, contentType: 'application/octet-stream', size, overwrite: false },
    });
    expect(late.response.status).toBe(409);
    const aborted = await alice.api.POST('/files/multipart/abort', {
      body: { upload: loser === a ? one.upload : two.upload },
    });
    expect(aborted.response.status).toBe(204);
  });
});

describe('abort', () => {
  it('is idempotent, and afterwards part URLs are refused by the API and by storage', async () => {
    const key = `${prefix}abort/gone.bin`;
    const started = await start(alice, key, 9 * MIB);
    const [part] = await partUrls(alice, started.upload, [{ number: 1 }]);
    if (!part) throw new Error('URL expected');
    for (let i = 0; i < 2; i++) {
      const aborted = await alice.api.POST('/files/multipart/abort', { body: { upload: started.upload } });
      expect(aborted.response.status).toBe(204);
    }
    const response = await put(part, new Uint8Array(randomBytes(8 * MIB)));
    // As S3: the upload is gone, whoever asks.
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('<Code>NoSuchUpload</Code>');
    const again = await alice.api.POST('/files/multipart/parts', {
      body: { upload: started.upload, parts: [{ number: 1 }] },
    });
    expect(again.response.status).toBe(404);
    expect(await stored(alice, key)).toBe(404);
  });
});

describe("storage's multipart errors, with the user's own credentials", () => {
  const small = new Uint8Array(randomBytes(100));
  let key: string;
  let uploadId: string;

  beforeAll(async () => {
    key = `${aliceFolder}${prefix}errors/direct.bin`;
    const created = await aliceStorage.send(
      new CreateMultipartUploadCommand({ Bucket: target.bucketName, Key: key, ChecksumAlgorithm: 'SHA256' }),
    );
    uploadId = created.UploadId ?? '';
  });

  const part = (PartNumber: number, Body: Uint8Array) =>
    aliceStorage.send(
      new UploadPartCommand({
        Bucket: target.bucketName,
        Key: key,
        UploadId: uploadId,
        PartNumber,
        Body,
        ChecksumSHA256: sha256Base64(Body),
      }),
    );
  const complete = (Parts: Array<{ PartNumber: number; ETag?: string }>, IfNoneMatch?: string) =>
    aliceStorage.send(
      new CompleteMultipartUploadCommand({
        Bucket: target.bucketName,
        Key: key,
        UploadId: uploadId,
        IfNoneMatch,
        MultipartUpload: { Parts },
      }),
    );

  it('EntityTooSmall: a part other than the last under 5 MiB', async () => {
    const one = await part(1, small);
    const two = await part(2, small);
    await expect(
      complete([
        { PartNumber: 1, ETag: one.ETag },
        { PartNumber: 2, ETag: two.ETag },
      ]),
    ).rejects.toMatchObject({ name: 'EntityTooSmall', $metadata: { httpStatusCode: 400 } });
  });

  it('InvalidPartOrder: parts listed out of ascending order', async () => {
    const one = await part(1, small);
    const two = await part(2, small);
    await expect(
      complete([
        { PartNumber: 2, ETag: two.ETag },
        { PartNumber: 1, ETag: one.ETag },
      ]),
    ).rejects.toMatchObject({ name: 'InvalidPartOrder', $metadata: { httpStatusCode: 400 } });
  });

  it('InvalidPart: an ETag storage does not hold', async () => {
    await expect(
      complete([{ PartNumber: 1, ETag: '"0123456789abcdef0123456789abcdef"' }]),
    ).rejects.toMatchObject({
      name: 'InvalidPart',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('a part checksum that does not match the body: BadDigest', async () => {
    await expect(
      aliceStorage.send(
        new UploadPartCommand({
          Bucket: target.bucketName,
          Key: key,
          UploadId: uploadId,
          PartNumber: 3,
          Body: small,
          ChecksumSHA256: sha256Base64(new Uint8Array(5)),
        }),
      ),
    ).rejects.toMatchObject({ name: 'BadDigest' });
  });

  it('PreconditionFailed: If-None-Match * when the key exists', async () => {
    const whole = await aliceStorage.send(
      new CreateMultipartUploadCommand({ Bucket: target.bucketName, Key: key, ChecksumAlgorithm: 'SHA256' }),
    );
    const first = await aliceStorage.send(
      new UploadPartCommand({
        Bucket: target.bucketName,
        Key: key,
        UploadId: whole.UploadId,
        PartNumber: 1,
        Body: small,
        ChecksumSHA256: sha256Base64(small),
      }),
    );
    const completeWhole = (IfNoneMatch?: string) =>
      aliceStorage.send(
        new CompleteMultipartUploadCommand({
          Bucket: target.bucketName,
          Key: key,
          UploadId: whole.UploadId,
          IfNoneMatch,
          MultipartUpload: {
            Parts: [{ PartNumber: 1, ETag: first.ETag, ChecksumSHA256: first.ChecksumSHA256 }],
          },
        }),
      );
    await completeWhole('*');
    const again = await aliceStorage.send(
      new CreateMultipartUploadCommand({ Bucket: target.bucketName, Key: key, ChecksumAlgorithm: 'SHA256' }),
    );
    const retry = await aliceStorage.send(
      new UploadPartCommand({
        Bucket: target.bucketName,
        Key: key,
        UploadId: again.UploadId,
        PartNumber: 1,
        Body: small,
      }),
    );
    await expect(
      aliceStorage.send(
        new CompleteMultipartUploadCommand({
          Bucket: target.bucketName,
          Key: key,
          UploadId: again.UploadId,
          IfNoneMatch: '*',
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: retry.ETag }] },
        }),
      ),
    ).rejects.toMatchObject({ name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });
    await aliceStorage.send(
      new AbortMultipartUploadCommand({ Bucket: target.bucketName, Key: key, UploadId: again.UploadId }),
    );
  });

  it('NoSuchUpload: listing or aborting an aborted upload', async () => {
    await aliceStorage.send(
      new AbortMultipartUploadCommand({ Bucket: target.bucketName, Key: key, UploadId: uploadId }),
    );
    await expect(
      aliceStorage.send(new ListPartsCommand({ Bucket: target.bucketName, Key: key, UploadId: uploadId })),
    ).rejects.toMatchObject({ name: 'NoSuchUpload', $metadata: { httpStatusCode: 404 } });
    await expect(
      aliceStorage.send(
        new AbortMultipartUploadCommand({ Bucket: target.bucketName, Key: key, UploadId: uploadId }),
      ),
    ).rejects.toMatchObject({ name: 'NoSuchUpload' });
  });
});
