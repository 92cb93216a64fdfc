/**
 * Sharing by username: A shares with B; B finds it in `GET /files/shared-with-me` and downloads it
 * with their own session; C sees nothing and is refused by the API and by storage; unknown and self
 * are refused; revoking makes B's download fail and removes it from B's list. Fresh users, so the
 * suite's shared users are untouched.
 */
import { GetObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFreshUser } from './support/fresh-user';
import { identityCredentials, type Session, signIn, storageAs } from './support/session';
import { runPrefix, send } from './support/storage';
import { e2eTarget } from './support/target';

const target = e2eTarget();
/**
 * The share index follows storage's events: a share or revoke shows within a second when the queue is
 * quiet, later behind a backlog (another file's 5,000 events, when the suite runs at once).
 */
const INDEX_WAIT = { timeout: 60_000, interval: 250 };
const INDEX_TEST_TIMEOUT = 150_000;
const prefix = runPrefix('shares');
const key = `${prefix}report.txt`;
const text = 'for B only';
let a: Session;
let b: Session;
let c: Session;

beforeAll(async () => {
  const users = await Promise.all(['share-a', 'share-b', 'share-c'].map((n) => createFreshUser(target, n)));
  [a, b, c] = (await Promise.all(users.map((user) => signIn(target, user)))) as [Session, Session, Session];
  const body = new TextEncoder().encode(text);
  const upload = await a.api.POST('/files/uploads', {
    body: { level: 'private', key, contentType: 'text/plain', size: body.length },
  });
  if (!upload.data) throw new Error(`upload URL expected, got ${upload.response.status}`);
  expect((await send(upload.data, { body })).status).toBe(200);
});

afterAll(async () => {
  await a?.api.DELETE('/files', { params: { query: { level: 'private', key } } });
});

describe('POST /files/shares', () => {
  it(
    'shares with B by username: B downloads it, C cannot, and revoking ends it',
    async () => {
      const shared = await a.api.POST('/files/shares', { body: { level: 'private', key, with: b.username } });
      expect(shared.response.status).toBe(201);
      expect(shared.data).toEqual({
        level: 'shared',
        key,
        grantee: b.identityId,
        granteeUsername: b.username,
      });

      await expect
        .poll(async () => (await b.api.GET('/files/shared-with-me')).data?.items, INDEX_WAIT)
        .toEqual([
          {
            owner: a.identityId,
            // The name the function recorded for A (from A's verified claims), never one stored on the object.
            ownerName: a.username,
            key,
            size: text.length,
            sharedAt: expect.any(String),
          },
        ]);
      expect((await c.api.GET('/files/shared-with-me')).data).toEqual({ items: [] });
      // A sees the share among their own, straight from storage; B and C see none of A's.
      const mine = await a.api.GET('/files/shares');
      expect(mine.data?.items).toEqual([
        {
          grantee: b.identityId,
          granteeName: b.username,
          key,
          size: text.length,
          lastModified: expect.any(String),
        },
      ]);
      expect((await b.api.GET('/files/shares')).data).toEqual({ items: [], omitted: 0 });

      const download = await b.api.POST('/files/downloads', {
        body: { level: 'shared', owner: a.identityId, key },
      });
      if (!download.data) throw new Error(`download URL expected, got ${download.response.status}`);
      const got = await send(download.data);
      expect(got.status).toBe(200);
      expect(await got.text()).toBe(text);

      // C, at the API: it can only address A's shares with C (there are none), never B's copy.
      const asC = await c.api.POST('/files/downloads', {
        body: { level: 'shared', owner: a.identityId, key },
      });
      if (!asC.data)
        throw new Error(`a URL expected (signed, then refused by storage): ${asC.response.status}`);
      expect((await send(asC.data)).status).toBe(403);
      // C, at storage with its own credentials, asking for B's copy by its full key.
      const storage = storageAs(target, await identityCredentials(target, c.idToken));
      const denied = await storage
        .send(
          new GetObjectCommand({
            Bucket: target.bucketName,
            Key: `shared/${a.identityId}/${b.identityId}/${key}`,
          }),
        )
        .then(
          () => 'read',
          (error: unknown) => (error instanceof S3ServiceException ? error.name : 'other'),
        );
      expect(denied).toBe('AccessDenied');
      storage.destroy();

      const revoked = await a.api.DELETE('/files', {
        params: { query: { level: 'shared', key, grantee: b.identityId } },
      });
      expect(revoked.response.status).toBe(204);
      expect((await a.api.GET('/files/shares')).data?.items).toEqual([]);
      const after = await b.api.POST('/files/downloads', {
        body: { level: 'shared', owner: a.identityId, key },
      });
      if (!after.data) throw new Error(`download URL expected, got ${after.response.status}`);
      expect((await send(after.data)).status).not.toBe(200);
      await expect
        .poll(async () => (await b.api.GET('/files/shared-with-me')).data?.items, INDEX_WAIT)
        .toEqual([]);
    },
    INDEX_TEST_TIMEOUT,
  );

  it(
    'shared-with-me pages with a cursor bound to its caller',
    async () => {
      const keys = ['page/1.txt', 'page/2.txt', 'page/3.txt'].map((name) => `${prefix}${name}`);
      for (const pageKey of keys) {
        const copied = await a.api.POST('/files/copies', {
          body: { from: { level: 'private', key }, to: { level: 'private', key: pageKey } },
        });
        expect(copied.response.status).toBe(201);
        const shared = await a.api.POST('/files/shares', {
          body: { level: 'private', key: pageKey, with: c.username },
        });
        expect(shared.response.status).toBe(201);
      }
      await expect
        .poll(async () => (await c.api.GET('/files/shared-with-me')).data?.items.length, INDEX_WAIT)
        .toBe(3);

      const first = await c.api.GET('/files/shared-with-me', { params: { query: { limit: 2 } } });
      expect(first.data?.items.map((item) => item.key)).toEqual(keys.slice(0, 2));
      const cursor = first.data?.nextCursor;
      if (cursor === undefined) throw new Error('a second page was expected');
      const second = await c.api.GET('/files/shared-with-me', { params: { query: { limit: 2, cursor } } });
      expect(second.data?.items.map((item) => item.key)).toEqual(keys.slice(2));
      expect(second.data?.nextCursor).toBeUndefined();

      const mineFirst = await a.api.GET('/files/shares', { params: { query: { limit: 2 } } });
      expect(mineFirst.data?.items).toHaveLength(2);
      const mineCursor = mineFirst.data?.nextCursor;
      if (mineCursor === undefined) throw new Error('a second page of A’s shares was expected');
      const mineSecond = await a.api.GET('/files/shares', {
        params: { query: { limit: 2, cursor: mineCursor } },
      });
      expect(
        [...(mineFirst.data?.items ?? []), ...(mineSecond.data?.items ?? [])].map((item) => item.key),
      ).toEqual(keys);
      // A's cursor of their shares is not a cursor of C's shared-with-me, nor of anyone else's shares.
      const crossed = await c.api.GET('/files/shared-with-me', { params: { query: { cursor: mineCursor } } });
      expect(crossed.error).toMatchObject({ code: 'invalid_request', field: 'cursor' });
      const stolen = await c.api.GET('/files/shares', { params: { query: { cursor: mineCursor } } });
      expect(stolen.error).toMatchObject({ code: 'invalid_request', field: 'cursor' });

      // C's cursor is C's: B presenting it is told so, by field.
      const replayed = await b.api.GET('/files/shared-with-me', { params: { query: { cursor } } });
      expect(replayed.response.status).toBe(400);
      expect(replayed.error).toMatchObject({ code: 'invalid_request', field: 'cursor' });

      for (const pageKey of keys) {
        await a.api.DELETE('/files', {
          params: { query: { level: 'shared', key: pageKey, grantee: c.identityId } },
        });
        await a.api.DELETE('/files', { params: { query: { level: 'private', key: pageKey } } });
      }
    },
    INDEX_TEST_TIMEOUT,
  );

  it.each([
    ['limit', { limit: 0 }],
    ['limit', { limit: 1001 }],
    ['cursor', { cursor: 'not-a-cursor' }],
    ['owner', { owner: 'us-east-1:00000000-0000-4000-8000-000000000000' }],
  ])('shared-with-me refuses a bad %s by name', async (field, query) => {
    const answer = await b.api.GET('/files/shared-with-me', {
      params: { query: query as { limit?: number; cursor?: string } },
    });
    expect(answer.response.status).toBe(400);
    expect(answer.error).toMatchObject({ code: 'invalid_request', field });
  });

  it(
    'a user who has never signed in: sealed mode shares at once (found at first sign-in); direct mode answers 409',
    async () => {
      const newcomer = await createFreshUser(target, 'share-newcomer');
      const answer = await a.api.POST('/files/shares', {
        body: { level: 'private', key, with: newcomer.username },
      });
      if (target.accessMode === 'direct') {
        expect(answer.response.status).toBe(409);
        expect(answer.error).toMatchObject({ code: 'user_not_ready' });
        return;
      }
      expect(answer.response.status).toBe(201);
      const session = await signIn(target, newcomer);
      expect(answer.data?.grantee).toBe(session.identityId);
      await expect
        .poll(async () => (await session.api.GET('/files/shared-with-me')).data?.items, INDEX_WAIT)
        .toEqual([expect.objectContaining({ owner: a.identityId, key })]);
      await a.api.DELETE('/files', {
        params: { query: { level: 'shared', key, grantee: session.identityId } },
      });
    },
    INDEX_TEST_TIMEOUT,
  );

  it('answers 404 no_such_user for an unknown username', async () => {
    const answer = await a.api.POST('/files/shares', {
      body: { level: 'private', key, with: `nobody-${Date.now()}@example.com` },
    });
    expect(answer.response.status).toBe(404);
    expect(answer.error).toMatchObject({ code: 'no_such_user' });
  });

  it('refuses sharing with yourself, naming `with`', async () => {
    const answer = await a.api.POST('/files/shares', { body: { level: 'private', key, with: a.username } });
    expect(answer.response.status).toBe(400);
    expect(answer.error).toMatchObject({ code: 'invalid_request', field: 'with' });
  });

  it('refuses a source that is not the caller’s own object', async () => {
    const answer = await c.api.POST('/files/shares', { body: { level: 'private', key, with: b.username } });
    expect(answer.response.status).toBe(404);
  });
});
