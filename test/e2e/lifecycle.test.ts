/**
 * The whole life of a file, in every level, for two users at once: upload by presigned URL with the
 * returned headers, list, properties, download (bytes compared), delete, list again. Plus the
 * no-overwrite contract: 409 from the API, 412 from storage for a racing second PUT.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteAllUnder, identityCredentials, type Session, signIn, signInTokens } from './support/session';
import { LEVELS, type Level, randomBody, runPrefix, send, sha256Base64 } from './support/storage';
import { e2eTarget } from './support/target';

const target = e2eTarget();
const prefix = runPrefix('lifecycle');
let users: Session[] = [];

beforeAll(async () => {
  users = await Promise.all(target.users.map((user) => signIn(target, user)));
});

afterAll(async () => {
  await Promise.all(users.map((user) => deleteAllUnder(user.api, prefix)));
});

async function lifecycle(user: Session, level: Level, withChecksum: boolean): Promise<void> {
  const folder = `${prefix}${level}/`;
  const key = `${folder}report ${level}.bin`;
  const body = randomBody(1500 + level.length);
  const contentType = 'application/octet-stream';
  const { api } = user;

  const upload = await api.POST('/files/uploads', {
    body: {
      level,
      key,
      contentType,
      size: body.length,
      overwrite: true,
      ...(withChecksum ? { sha256: sha256Base64(body) } : {}),
    },
  });
  expect(upload.response.status).toBe(201);
  if (!upload.data) throw new Error('no upload URL');
  expect(upload.data).toMatchObject({ method: 'PUT', level, owner: user.identityId, key });
  expect(Date.parse(upload.data.expiresAt)).toBeGreaterThan(Date.now());
  const put = await send(upload.data, { body });
  expect(put.status).toBe(200);

  const listed = await api.GET('/files', { params: { query: { level, prefix: folder } } });
  expect(listed.response.status).toBe(200);
  expect(listed.data).toMatchObject({ level, owner: user.identityId, prefix: folder });
  expect(listed.data?.items.map((item) => [item.key, item.size])).toEqual([[key, body.length]]);

  const properties = await api.GET('/files/properties', { params: { query: { level, key } } });
  expect(properties.response.status).toBe(200);
  expect(properties.data).toMatchObject({
    level,
    owner: user.identityId,
    key,
    size: body.length,
    contentType,
  });
  expect(properties.data?.etag).toBe(listed.data?.items[0]?.etag);
  if (withChecksum) expect(properties.data?.sha256).toBe(sha256Base64(body));

  const download = await api.POST('/files/downloads', { body: { level, key } });
  expect(download.response.status).toBe(201);
  if (!download.data) throw new Error('no download URL');
  expect(download.data).toMatchObject({ method: 'GET', level, owner: user.identityId, key });
  const got = await send(download.data);
  expect(got.status).toBe(200);
  expect(new Uint8Array(await got.arrayBuffer())).toEqual(body);

  const deleted = await api.DELETE('/files', { params: { query: { level, key } } });
  expect(deleted.response.status).toBe(204);
  const after = await api.GET('/files', { params: { query: { level, prefix: folder } } });
  expect(after.data?.items).toEqual([]);
  const gone = await api.GET('/files/properties', { params: { query: { level, key } } });
  expect(gone.response.status).toBe(404);
  expect(gone.error).toMatchObject({ code: 'not_found', status: 404 });
}

describe('a file from upload to deletion', () => {
  it.each(LEVELS)('%s level, for both users at once', async (level) => {
    // The checksum path in one level keeps the other two on the plain signed length and type.
    await Promise.all(users.map((user) => lifecycle(user, level, level === 'protected')));
  });

  it('gives each user one stable identity, whatever the token', async () => {
    const [first, second] = users;
    if (!first || !second) throw new Error('two users expected');
    expect(first.identityId).not.toBe(second.identityId);
    const fresh = await signInTokens(target, target.users[0]);
    expect(fresh.idToken).not.toBe(first.idToken);
    const [viaOldToken, viaNewToken] = await Promise.all([
      identityCredentials(target, first.idToken),
      identityCredentials(target, fresh.idToken),
    ]);
    expect(viaOldToken.identityId).toBe(first.identityId);
    expect(viaNewToken.identityId).toBe(first.identityId);
    const me = await first.api.GET('/me');
    expect(me.data).toMatchObject({
      identityId: first.identityId,
      prefixes: {
        private: `private/${first.identityId}/`,
        protected: `protected/${first.identityId}/`,
        public: `public/${first.identityId}/`,
      },
    });
  });
});

describe('overwrite: false', () => {
  it('answers 409 for an existing key and storage refuses a racing second PUT with 412', async () => {
    const user = users[0];
    if (!user) throw new Error('a user expected');
    const key = `${prefix}no-overwrite/once.txt`;
    const first = new TextEncoder().encode('first writer wins');
    const second = new TextEncoder().encode('second writer lost');
    const ask = (body: Uint8Array) =>
      user.api.POST('/files/uploads', {
        body: { level: 'private', key, contentType: 'text/plain', size: body.length, overwrite: false },
      });

    // Both URLs are issued while the key is free: only storage can settle the race.
    const [urlA, urlB] = await Promise.all([ask(first), ask(second)]);
    if (!urlA.data || !urlB.data) throw new Error('both upload URLs expected');
    expect(Object.keys(urlA.data.headers).map((name) => name.toLowerCase())).toContain('if-none-match');
    expect((await send(urlA.data, { body: first })).status).toBe(200);
    const racing = await send(urlB.data, { body: second });
    expect(racing.status).toBe(412);

    const again = await ask(second);
    expect(again.response.status).toBe(409);
    expect(again.error).toMatchObject({ code: 'conflict', status: 409 });

    const download = await user.api.POST('/files/downloads', { body: { level: 'private', key } });
    if (!download.data) throw new Error('download URL expected');
    expect(await (await send(download.data)).text()).toBe('first writer wins');
    await user.api.DELETE('/files', { params: { query: { level: 'private', key } } });
  });
});
