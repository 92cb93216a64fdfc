/**
 * People by name, against the stack (both access modes): `GET /users/{username}` answers for a user
 * the identity ID their own `GET /me` answers; unknown names are 404 and malformed ones 400; the
 * names on shares are the ones the function recorded (each side's verified email, the address they
 * sign in with, never the pool's generated username), and a user who deletes their data is no
 * longer named. Fresh users for the shares, so the suite's are untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFreshUser } from './support/fresh-user';
import { type Session, signIn } from './support/session';
import { runPrefix, send } from './support/storage';
import { e2eTarget } from './support/target';

const target = e2eTarget();
/** The share index follows storage's events (see shares.test.ts). */
const INDEX_WAIT = { timeout: 60_000, interval: 250 };
const INDEX_TEST_TIMEOUT = 150_000;
const prefix = runPrefix('people');

const usernameOf = async (session: Session) => {
  const me = await session.api.GET('/me');
  if (!me.data) throw new Error(`GET /me failed: ${me.response.status}`);
  return me.data.username;
};

describe('GET /users/{username}', () => {
  let alice: Session;
  let bob: Session;
  beforeAll(async () => {
    [alice, bob] = (await Promise.all(target.users.map((user) => signIn(target, user)))) as [
      Session,
      Session,
    ];
  });

  it('answers a user, named as they sign in, with the identity ID their own GET /me answers', async () => {
    const found = await alice.api.GET('/users/{username}', { params: { path: { username: bob.username } } });
    expect(found.response.status).toBe(200);
    expect(found.data).toEqual({
      username: await usernameOf(bob),
      // People see the address Bob signs in with (verified), not the pool's generated username.
      name: bob.username,
      identityId: bob.identityId,
      prefixes: { protected: `protected/${bob.identityId}/`, public: `public/${bob.identityId}/` },
    });
    // The pool's canonical username finds the same user.
    const canonical = await alice.api.GET('/users/{username}', {
      params: { path: { username: found.data?.username ?? '' } },
    });
    expect(canonical.data?.identityId).toBe(bob.identityId);
  });

  it('unknown: 404 no_such_user', async () => {
    const missing = await alice.api.GET('/users/{username}', {
      params: { path: { username: `nobody-${prefix.replaceAll('/', '')}@example.com` } },
    });
    expect(missing.response.status).toBe(404);
    expect(missing.error).toMatchObject({ code: 'no_such_user' });
  });

  it.runIf(target.localSecrets !== undefined)(
    'a user who never signed in: sealed answers their identity (made on first use), direct 409 user_not_ready',
    async () => {
      const newcomer = await createFreshUser(target, 'people-newcomer');
      const found = await alice.api.GET('/users/{username}', {
        params: { path: { username: newcomer.username } },
      });
      if (target.accessMode === 'direct') {
        expect(found.response.status).toBe(409);
        expect(found.error).toMatchObject({ code: 'user_not_ready' });
        return;
      }
      expect(found.response.status).toBe(200);
      const theirs = await signIn(target, newcomer);
      expect(found.data?.identityId).toBe(theirs.identityId);
    },
  );

  it.each([
    ['a space', 'bob smith'],
    ['a control character', 'bob\u0007'],
    ['129 characters', 'b'.repeat(129)],
  ])('%s: 400 naming username', async (_, username) => {
    const bad = await alice.api.GET('/users/{username}', { params: { path: { username } } });
    expect(bad.response.status).toBe(400);
    expect(bad.error).toMatchObject({ code: 'invalid_request', field: 'username' });
  });
});

describe.runIf(target.localSecrets !== undefined)('names on shares', () => {
  let owner: Session;
  let grantee: Session;
  const key = `${prefix}named.txt`;
  const text = 'named';

  beforeAll(async () => {
    const users = await Promise.all(['names-owner', 'names-grantee'].map((n) => createFreshUser(target, n)));
    [owner, grantee] = (await Promise.all(users.map((user) => signIn(target, user)))) as [Session, Session];
    const body = new TextEncoder().encode(text);
    const upload = await owner.api.POST('/files/uploads', {
      body: { level: 'private', key, contentType: 'text/plain', size: body.length },
    });
    if (!upload.data) throw new Error(`upload URL expected, got ${upload.response.status}`);
    expect((await send(upload.data, { body })).status).toBe(200);
  });

  afterAll(async () => {
    await owner?.api.DELETE('/files', { params: { query: { level: 'private', key } } });
    await owner?.api.DELETE('/files', {
      params: { query: { level: 'shared', key, grantee: grantee?.identityId ?? '' } },
    });
  });

  it(
    "each side sees the other's verified email; once the grantee deletes their data, their name is gone",
    async () => {
      const shared = await owner.api.POST('/files/shares', {
        body: { level: 'private', key, with: grantee.username },
      });
      expect(shared.response.status).toBe(201);
      // What each signs in with: their verified email, not the pool's generated username.
      const [ownerName, granteeName] = [owner.username, grantee.username];
      expect(await usernameOf(owner)).not.toBe(ownerName);

      expect((await owner.api.GET('/files/shares')).data?.items).toEqual([
        {
          grantee: grantee.identityId,
          granteeName,
          key,
          size: text.length,
          lastModified: expect.any(String),
        },
      ]);
      await expect
        .poll(async () => (await grantee.api.GET('/files/shared-with-me')).data?.items, INDEX_WAIT)
        .toEqual([
          { owner: owner.identityId, ownerName, key, size: text.length, sharedAt: expect.any(String) },
        ]);

      let status = 0;
      for (let call = 0; call < 5 && status !== 204; call++) {
        status = (await grantee.api.DELETE('/me/data')).response.status;
      }
      expect(status).toBe(204);
      const after = (await owner.api.GET('/files/shares')).data?.items;
      expect(after).toEqual([
        { grantee: grantee.identityId, key, size: text.length, lastModified: expect.any(String) },
      ]);
    },
    INDEX_TEST_TIMEOUT,
  );
});
