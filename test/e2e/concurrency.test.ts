/**
 * Concurrency and data safety on the real stack: racing writers to one key with overwrite
 * disallowed leave exactly one winner (storage refuses the rest with 412), an existing key is
 * refused up front (409), racing deletes are all 204 and leave nothing behind, and everything
 * acknowledged as stored by parallel uploads is listed and reads back byte for byte.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteAllUnder, type Session, signIn } from './support/session';
import { type Presigned, randomBody, runPrefix, s3ErrorCode, send, sha256Base64 } from './support/storage';
import { e2eTarget } from './support/target';

const target = e2eTarget();
const prefix = runPrefix('concurrency');
const WRITERS = 8;
let alice: Session;
let bob: Session;

beforeAll(async () => {
  const [first, second] = await Promise.all(target.users.map((user) => signIn(target, user)));
  if (!first || !second) throw new Error('two users expected');
  alice = first;
  bob = second;
});

afterAll(async () => {
  await Promise.all([alice, bob].filter(Boolean).map((user) => deleteAllUnder(user.api, prefix)));
});

async function uploadUrl(user: Session, key: string, body: Uint8Array, overwrite: boolean) {
  return user.api.POST('/files/uploads', {
    body: {
      level: 'private',
      key,
      contentType: 'application/octet-stream',
      size: body.length,
      sha256: sha256Base64(body),
      overwrite,
    },
  });
}

async function download(user: Session, key: string): Promise<Uint8Array> {
  const url = await user.api.POST('/files/downloads', { body: { level: 'private', key } });
  if (!url.data) throw new Error(`download URL expected, got ${url.response.status}`);
  const got = await send(url.data);
  expect(got.status).toBe(200);
  return new Uint8Array(await got.arrayBuffer());
}

const range = (count: number) => Array.from({ length: count }, (_, index) => index);

describe('racing writers, overwrite: false', () => {
  it(`${WRITERS} PUTs to one key with URLs issued while it was free: one winner, the rest 412`, async () => {
    const key = `${prefix}race/one-key.bin`;
    const bodies = range(WRITERS).map((index) => randomBody(2048 + index));
    const urls = await Promise.all(bodies.map((body) => uploadUrl(alice, key, body, false)));
    const presigned = urls.map((url) => {
      expect(url.response.status).toBe(201);
      return url.data as Presigned;
    });

    const puts = await Promise.all(presigned.map((url, index) => send(url, { body: bodies[index] })));
    const statuses = puts.map((put) => put.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 412)).toHaveLength(WRITERS - 1);
    const codes = await Promise.all(puts.filter((put) => put.status === 412).map(s3ErrorCode));
    expect(new Set(codes)).toEqual(new Set(['PreconditionFailed']));

    // The stored object is the winner's, whole.
    const winner = statuses.indexOf(200);
    expect(await download(alice, key)).toEqual(bodies[winner]);
  });

  it('an upload URL for an existing key is refused with 409, however many ask at once', async () => {
    const key = `${prefix}race/existing.txt`;
    const body = new TextEncoder().encode('already here');
    const first = await uploadUrl(alice, key, body, true);
    if (!first.data) throw new Error('upload URL expected');
    expect((await send(first.data, { body })).status).toBe(200);

    const again = await Promise.all(range(WRITERS).map(() => uploadUrl(alice, key, randomBody(10), false)));
    for (const answer of again) {
      expect(answer.response.status).toBe(409);
      expect(answer.error).toMatchObject({ status: 409, code: 'conflict' });
      expect(JSON.stringify(answer.error)).not.toContain('X-Amz-Signature');
    }
    expect(new TextDecoder().decode(await download(alice, key))).toBe('already here');
  });
});

describe('racing deletes', () => {
  it(`${WRITERS} DELETEs of one key: all 204, and the object is gone`, async () => {
    const key = `${prefix}deletes/doomed.txt`;
    const body = randomBody(512);
    const upload = await uploadUrl(alice, key, body, false);
    if (!upload.data) throw new Error('upload URL expected');
    expect((await send(upload.data, { body })).status).toBe(200);

    const deletes = await Promise.all(
      range(WRITERS).map(() => alice.api.DELETE('/files', { params: { query: { level: 'private', key } } })),
    );
    expect(deletes.map((answer) => answer.response.status)).toEqual(range(WRITERS).map(() => 204));

    const properties = await alice.api.GET('/files/properties', {
      params: { query: { level: 'private', key } },
    });
    expect(properties.response.status).toBe(404);
    const listed = await alice.api.GET('/files', {
      params: { query: { level: 'private', prefix: `${prefix}deletes/` } },
    });
    expect(listed.data?.items).toEqual([]);
  });
});

describe('parallel uploads to distinct keys', () => {
  it('everything acknowledged as stored is listed and reads back byte for byte, for two users at once', async () => {
    const folder = `${prefix}many/`;
    const perUser = 12;
    const stored = await Promise.all(
      [alice, bob].flatMap((user) =>
        range(perUser).map(async (index) => {
          const key = `${folder}file-${String(index).padStart(2, '0')}.bin`;
          const body = randomBody(100 + index * 37);
          const upload = await uploadUrl(user, key, body, false);
          if (!upload.data) throw new Error(`upload URL expected, got ${upload.response.status}`);
          const put = await send(upload.data, { body });
          return { user, key, body, acknowledged: put.status === 200 };
        }),
      ),
    );
    expect(stored.every((file) => file.acknowledged)).toBe(true);

    for (const user of [alice, bob]) {
      const listed = await user.api.GET('/files', {
        params: { query: { level: 'private', prefix: folder, limit: 1000 } },
      });
      const mine = stored.filter((file) => file.user === user);
      expect(listed.data?.items.map((item) => [item.key, item.size])).toEqual(
        mine.map((file) => [file.key, file.body.length]),
      );
    }
    const readBack = await Promise.all(stored.map((file) => download(file.user, file.key)));
    readBack.forEach((bytes, index) => {
      expect(sha256Base64(bytes)).toBe(sha256Base64(stored[index]?.body ?? new Uint8Array()));
    });
  });
});
