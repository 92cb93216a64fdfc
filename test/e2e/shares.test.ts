/**
 * Sharing by username: A shares with B; B downloads with their own session; C is refused by the API
 * and by storage; unknown and self are refused; revoking makes B's download fail. Fresh users, so
 * the suite's shared users are untouched.
 */
import { GetObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFreshUser } from './support/fresh-user';
import { identityCredentials, type Session, signIn, storageAs } from './support/session';
import { runPrefix, send } from './support/storage';
import { e2eTarget } from './support/target';

const target = e2eTarget();
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
  it('shares with B by username: B downloads it, C cannot, and revoking ends it', async () => {
    const shared = await a.api.POST('/files/shares', { body: { level: 'private', key, with: b.username } });
    expect(shared.response.status).toBe(201);
    expect(shared.data).toEqual({ level: 'shared', key, grantee: b.identityId, granteeUsername: b.username });

    const download = await b.api.POST('/files/downloads', {
      body: { level: 'shared', owner: a.identityId, key },
    });
    if (!download.data) throw new Error(`download URL expected, got ${download.response.status}`);
    const got = await send(download.data);
    expect(got.status).toBe(200);
    expect(await got.text()).toBe(text);

    // C, at the API: it can only address A's shares with C (there are none), never B's copy.
    const asC = await c.api.POST('/files/downloads', { body: { level: 'shared', owner: a.identityId, key } });
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
    const after = await b.api.POST('/files/downloads', {
      body: { level: 'shared', owner: a.identityId, key },
    });
    if (!after.data) throw new Error(`download URL expected, got ${after.response.status}`);
    expect((await send(after.data)).status).not.toBe(200);
  });

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
