/**
 * Copies, moves, the `shared` level and batch downloads against a local stack of their own, whose
 * `public` level accepts only images: copies keep the bytes, moves remove the source only after
 * the copy, the target level's rules and `overwrite: false` are enforced, and what the API refuses
 * for another user's private file, storage refuses too (the storage adapter, called directly with a
 * deliberately foreign key, gets AccessDenied from IAM).
 */
import {
  DeleteObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IdentitySession } from '../../lambdas/aws/identity';
import { createStorage, type Storage } from '../../lambdas/aws/storage';
import { type LocalStack, startLocalStack } from '../../local/stack/local-stack';
import {
  type IdentityCredentials,
  identityCredentials,
  type Session,
  signIn,
  storageAs,
} from './support/session';
import { send, sha256Base64 } from './support/storage';
import { type E2eTarget, targetOf } from './support/target';

let stack: LocalStack;
let target: E2eTarget;
let alice: Session;
let bob: Session;
let aliceStorage: S3Client;
let bobIdentity: IdentityCredentials;

const text = (value: string) => new TextEncoder().encode(value);

/**
 * A real 1x1 PNG: the events function removes an object whose bytes are not its declared type, so
 * an image must be one.
 */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

async function upload(
  user: Session,
  level: 'private' | 'protected' | 'public',
  key: string,
  type: string,
  body: string | Uint8Array,
) {
  const bytes = typeof body === 'string' ? text(body) : body;
  const presigned = await user.api.POST('/files/uploads', {
    body: { level, key, contentType: type, size: bytes.length },
  });
  if (!presigned.data) throw new Error(`upload URL expected, got ${presigned.response.status}`);
  expect((await send(presigned.data, { body: bytes })).status).toBe(200);
}

async function read(
  user: Session,
  where: {
    level: 'private' | 'protected' | 'public' | 'shared';
    key: string;
    owner?: string;
    grantee?: string;
  },
): Promise<string | number> {
  const download = await user.api.POST('/files/downloads', { body: where });
  if (!download.data) return download.response.status;
  const got = await send(download.data);
  return got.status === 200 ? got.text() : got.status;
}

beforeAll(async () => {
  stack = await startLocalStack({
    quiet: true,
    uploadRules: JSON.stringify({ public: { allowedContentTypes: ['image/*'] } }),
  });
  target = targetOf(stack);
  [alice, bob] = (await Promise.all(target.users.map((user) => signIn(target, user)))) as [Session, Session];
  aliceStorage = storageAs(target, await identityCredentials(target, alice.idToken));
  bobIdentity = await identityCredentials(target, bob.idToken);
  await Promise.all([
    upload(alice, 'private', 'notes.txt', 'text/plain', 'alice private notes'),
    upload(alice, 'private', 'pic.png', 'image/png', PNG),
    upload(alice, 'protected', 'open.txt', 'text/plain', 'alice protected file'),
    upload(alice, 'private', 'secret.txt', 'text/plain', 'alice secret'),
  ]);
  // The shared level is written by sharing (later); here with alice's own credentials, as IAM allows.
  await aliceStorage.send(
    new PutObjectCommand({
      Bucket: target.bucketName,
      Key: `shared/${alice.identityId}/${bob.identityId}/doc.txt`,
      Body: 'shared with bob',
      ContentType: 'text/plain',
    }),
  );
}, 120_000);

afterAll(async () => {
  aliceStorage?.destroy();
  await stack?.stop();
});

describe('POST /files/copies', () => {
  it('copies across the caller’s own levels, keeping the bytes and the source', async () => {
    const copied = await alice.api.POST('/files/copies', {
      body: {
        from: { level: 'private', key: 'notes.txt' },
        to: { level: 'protected', key: 'copies/notes.txt' },
      },
    });
    expect(copied.response.status).toBe(201);
    expect(copied.data).toMatchObject({
      level: 'protected',
      owner: alice.identityId,
      key: 'copies/notes.txt',
      contentType: 'text/plain',
      size: 19,
    });
    expect(await read(alice, { level: 'protected', key: 'copies/notes.txt' })).toBe('alice private notes');
    expect(await read(alice, { level: 'private', key: 'notes.txt' })).toBe('alice private notes');
  });

  it('moves: the target has the bytes, the source is gone', async () => {
    const moved = await alice.api.POST('/files/copies', {
      body: {
        from: { level: 'private', key: 'pic.png' },
        to: { level: 'public', key: 'pic.png' },
        move: true,
      },
    });
    expect(moved.response.status).toBe(201);
    const target = await alice.api.GET('/files/properties', {
      params: { query: { level: 'public', key: 'pic.png' } },
    });
    expect(target.data).toMatchObject({ size: PNG.length, contentType: 'image/png' });
    const source = await alice.api.GET('/files/properties', {
      params: { query: { level: 'private', key: 'pic.png' } },
    });
    expect(source.response.status).toBe(404);
  });

  it('the target level’s rules apply: text into the image-only public level is refused (400), nothing created', async () => {
    const refused = await alice.api.POST('/files/copies', {
      body: {
        from: { level: 'private', key: 'notes.txt' },
        to: { level: 'public', key: 'notes.txt' },
        move: true,
      },
    });
    expect(refused.response.status).toBe(400);
    expect(refused.error).toMatchObject({ code: 'invalid_request', field: 'from.contentType' });
    const target = await alice.api.GET('/files/properties', {
      params: { query: { level: 'public', key: 'notes.txt' } },
    });
    expect(target.response.status).toBe(404);
    expect(await read(alice, { level: 'private', key: 'notes.txt' })).toBe('alice private notes');
  });

  it('overwrite: false never replaces an existing object (409 from storage’s 412), and a move keeps its source', async () => {
    await upload(alice, 'private', 'other.txt', 'text/plain', 'another text');
    const refused = await alice.api.POST('/files/copies', {
      body: {
        from: { level: 'private', key: 'other.txt' },
        to: { level: 'protected', key: 'copies/notes.txt' },
        overwrite: false,
        move: true,
      },
    });
    expect(refused.response.status).toBe(409);
    expect(await read(alice, { level: 'protected', key: 'copies/notes.txt' })).toBe('alice private notes');
    expect(await read(alice, { level: 'private', key: 'other.txt' })).toBe('another text');
    const replaced = await alice.api.POST('/files/copies', {
      body: {
        from: { level: 'private', key: 'other.txt' },
        to: { level: 'protected', key: 'copies/notes.txt' },
      },
    });
    expect(replaced.response.status).toBe(201);
    expect(await read(alice, { level: 'protected', key: 'copies/notes.txt' })).toBe('another text');
  });

  it('copies another user’s protected file into the caller’s own private folder; moving it is refused', async () => {
    const copied = await bob.api.POST('/files/copies', {
      body: {
        from: { level: 'protected', key: 'open.txt', owner: alice.identityId },
        to: { level: 'private', key: 'from-alice.txt' },
      },
    });
    expect(copied.response.status).toBe(201);
    expect(copied.data?.owner).toBe(bob.identityId);
    expect(await read(bob, { level: 'private', key: 'from-alice.txt' })).toBe('alice protected file');
    const move = await bob.api.POST('/files/copies', {
      body: {
        from: { level: 'protected', key: 'open.txt', owner: alice.identityId },
        to: { level: 'private', key: 'x.txt' },
        move: true,
      },
    });
    expect(move.response.status).toBe(400);
    expect(move.error?.field).toBe('move');
    expect(await read(alice, { level: 'protected', key: 'open.txt' })).toBe('alice protected file');
  });

  it('another user’s private file: the API refuses (400), and storage refuses the same copy (403 AccessDenied)', async () => {
    const refused = await bob.api.POST('/files/copies', {
      body: {
        from: { level: 'private', key: 'secret.txt', owner: alice.identityId },
        to: { level: 'private', key: 'stolen.txt' },
      },
    });
    expect(refused.response.status).toBe(400);
    expect(refused.error?.field).toBe('from.owner');

    // The adapter the function uses, with bob's own session and a deliberately foreign source key:
    // nothing in our code stands in the way, IAM does.
    const storage: Storage = createStorage({
      bucket: target.bucketName,
      region: target.region,
      clientConfig: { endpoint: target.endpoints.s3, forcePathStyle: true, maxAttempts: 1 },
    });
    const session: IdentitySession = {
      identityId: bobIdentity.identityId,
      credentials: { ...bobIdentity.credentials, obtainedAt: Date.now() },
    };
    const source = { size: 12, contentType: 'text/plain', etag: '"x"', lastModified: new Date() };
    const attempts = [
      {
        sourceKey: `private/${alice.identityId}/secret.txt`,
        targetKey: `private/${bob.identityId}/stolen.txt`,
      },
      // Writing into another's folder is refused the same way.
      {
        sourceKey: `protected/${alice.identityId}/open.txt`,
        targetKey: `protected/${alice.identityId}/planted.txt`,
      },
    ];
    for (const keys of attempts) {
      const failure = await storage.copy(session, { ...keys, source, ifNoneMatch: false }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(S3ServiceException);
      expect((failure as S3ServiceException).name).toBe('AccessDenied');
      expect((failure as S3ServiceException).$metadata.httpStatusCode).toBe(403);
    }
    const stolen = await bob.api.GET('/files/properties', {
      params: { query: { level: 'private', key: 'stolen.txt' } },
    });
    expect(stolen.response.status).toBe(404);
  });
});

describe('a multipart copy through the local gateway (the adapter with a 5 MiB threshold)', () => {
  it('copies 11 MiB in three UploadPartCopy ranges, byte for byte; overwrite false then refuses (412 on completion)', async () => {
    const size = 11 * 1024 * 1024;
    const bytes = new Uint8Array(size).map((_, i) => (i * 31 + 7) % 251);
    const presigned = await alice.api.POST('/files/uploads', {
      body: { level: 'private', key: 'big.bin', contentType: 'application/octet-stream', size },
    });
    if (!presigned.data) throw new Error('upload URL expected');
    expect((await send(presigned.data, { body: bytes })).status).toBe(200);
    const identity = await identityCredentials(target, alice.idToken);
    const session: IdentitySession = {
      identityId: identity.identityId,
      credentials: { ...identity.credentials, obtainedAt: Date.now() },
    };
    const storage = createStorage({
      bucket: target.bucketName,
      region: target.region,
      clientConfig: { endpoint: target.endpoints.s3, forcePathStyle: true, maxAttempts: 1 },
      multipartCopyThresholdBytes: 5 * 1024 * 1024,
      copyPartBytes: 5 * 1024 * 1024,
    });
    const sourceKey = `private/${alice.identityId}/big.bin`;
    const targetKey = `protected/${alice.identityId}/big-copy.bin`;
    const source = await storage.head(session, sourceKey);
    const copied = await storage.copy(session, { sourceKey, targetKey, source, ifNoneMatch: true });
    expect(copied.size).toBe(size);
    const download = await alice.api.POST('/files/downloads', {
      body: { level: 'protected', key: 'big-copy.bin' },
    });
    if (!download.data) throw new Error('download URL expected');
    const got = new Uint8Array(await (await send(download.data)).arrayBuffer());
    expect(sha256Base64(got)).toBe(sha256Base64(bytes));
    await expect(
      storage.copy(session, { sourceKey, targetKey, source, ifNoneMatch: true }),
    ).rejects.toMatchObject({
      code: 'conflict',
    });
  });
});

describe('the shared level', () => {
  it('the grantee lists, reads and copies what the owner shares with it; moving it is refused', async () => {
    const listed = await bob.api.GET('/files', {
      params: { query: { level: 'shared', owner: alice.identityId } },
    });
    expect(listed.response.status).toBe(200);
    expect(listed.data).toMatchObject({ owner: alice.identityId, grantee: bob.identityId });
    expect(listed.data?.items.map((item) => item.key)).toEqual(['doc.txt']);
    expect(await read(bob, { level: 'shared', key: 'doc.txt', owner: alice.identityId })).toBe(
      'shared with bob',
    );
    const copied = await bob.api.POST('/files/copies', {
      body: {
        from: { level: 'shared', key: 'doc.txt', owner: alice.identityId },
        to: { level: 'private', key: 'doc.txt' },
      },
    });
    expect(copied.response.status).toBe(201);
    const moved = await bob.api.POST('/files/copies', {
      body: {
        from: { level: 'shared', key: 'doc.txt', owner: alice.identityId },
        to: { level: 'private', key: 'm.txt' },
        move: true,
      },
    });
    expect(moved.response.status).toBe(400);
  });

  it('the owner lists and deletes its share by grantee; the grantee can neither delete it nor list the owner’s shares', async () => {
    const listed = await alice.api.GET('/files', {
      params: { query: { level: 'shared', grantee: bob.identityId } },
    });
    expect(listed.data?.items.map((item) => item.key)).toEqual(['doc.txt']);
    const bobStorage = storageAs(target, bobIdentity);
    try {
      for (const prefix of [`shared/${alice.identityId}/`, 'shared/']) {
        const failure = await bobStorage
          .send(
            new ListObjectsV2Command({
              Bucket: target.bucketName,
              Prefix: prefix,
            }),
          )
          .then(
            () => undefined,
            (error: unknown) => error,
          );
        expect((failure as S3ServiceException).name).toBe('AccessDenied');
      }
      const del = await bobStorage
        .send(
          new DeleteObjectCommand({
            Bucket: target.bucketName,
            Key: `shared/${alice.identityId}/${bob.identityId}/doc.txt`,
          }),
        )
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect((del as S3ServiceException).name).toBe('AccessDenied');
    } finally {
      bobStorage.destroy();
    }
    const deleted = await alice.api.DELETE('/files', {
      params: { query: { level: 'shared', key: 'doc.txt', grantee: bob.identityId } },
    });
    expect(deleted.response.status).toBe(204);
    expect(await read(bob, { level: 'shared', key: 'doc.txt', owner: alice.identityId })).toBe(403);
  });

  it('a key with an identity-shaped segment is refused in shared, naming key', async () => {
    const refused = await alice.api.POST('/files/downloads', {
      body: { level: 'shared', key: `x/${bob.identityId}/doc.txt`, grantee: bob.identityId },
    });
    expect(refused.response.status).toBe(400);
    expect(refused.error?.field).toBe('key');
  });
});

describe('POST /files/downloads/batch', () => {
  it('signs each item under the single-download rules; a bad item gets its own problem; the URLs work', async () => {
    const batch = await bob.api.POST('/files/downloads/batch', {
      body: {
        items: [
          { level: 'protected', key: 'open.txt', owner: alice.identityId },
          { level: 'private', key: 'from-alice.txt' },
          { level: 'private', key: '../escape' },
          { level: 'private', key: 'secret.txt', owner: alice.identityId },
        ],
      },
    });
    expect(batch.response.status).toBe(200);
    const items = batch.data?.items ?? [];
    expect(items.map((item) => item.status)).toEqual([201, 201, 400, 400]);
    for (const [index, expected] of [
      [0, 'alice protected file'],
      [1, 'alice protected file'],
    ] as const) {
      const item = items[index];
      if (!item || !('download' in item)) throw new Error('a download expected');
      const got = await send(item.download);
      expect(got.headers.get('content-disposition')).toBe('attachment');
      expect(await got.text()).toBe(expected);
    }
  });
});
