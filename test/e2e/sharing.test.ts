/**
 * Two users side by side: what one may read of the other's (protected and public, one named
 * owner's folder at a time), and what is refused, at the API (400 before anything is signed) and
 * at storage (403 from IAM or the signature check), whatever client the attacker uses.
 */
import { ListObjectsV2Command, S3ServiceException } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_DENIED, probeCrossUser, seedVictim, type VictimFiles } from './support/isolation';
import {
  deleteAllUnder,
  type IdentityCredentials,
  identityCredentials,
  type Session,
  signIn,
  storageAs,
} from './support/session';
import { type Level, runPrefix, s3ErrorCode, send, swapOwner } from './support/storage';
import { e2eTarget } from './support/target';

const target = e2eTarget();
const prefix = runPrefix('sharing');
let alice: Session;
let bob: Session;

async function store(user: Session, level: Level, key: string, text: string): Promise<void> {
  const body = new TextEncoder().encode(text);
  const upload = await user.api.POST('/files/uploads', {
    body: { level, key, contentType: 'text/plain', size: body.length, overwrite: true },
  });
  if (!upload.data) throw new Error(`upload URL expected, got ${upload.response.status}`);
  const put = await send(upload.data, { body });
  expect(put.status).toBe(200);
}

beforeAll(async () => {
  const [first, second] = await Promise.all(target.users.map((user) => signIn(target, user)));
  if (!first || !second) throw new Error('two users expected');
  alice = first;
  bob = second;
  await Promise.all([
    store(bob, 'protected', `${prefix}shared.txt`, "bob's protected file"),
    store(bob, 'public', `${prefix}open.txt`, "bob's public file"),
    store(bob, 'private', `${prefix}secret.txt`, "bob's private file"),
    store(alice, 'private', `${prefix}secret.txt`, "alice's private file"),
  ]);
});

afterAll(async () => {
  await Promise.all([alice, bob].filter(Boolean).map((user) => deleteAllUnder(user.api, prefix)));
});

describe('reading another user’s protected and public files', () => {
  it.each([
    ['protected', 'shared.txt', "bob's protected file"],
    ['public', 'open.txt', "bob's public file"],
  ] as const)(
    '%s: lists the named owner’s folder, reads properties, downloads',
    async (level, name, text) => {
      const key = `${prefix}${name}`;
      const listed = await alice.api.GET('/files', {
        params: { query: { level, owner: bob.identityId, prefix } },
      });
      expect(listed.response.status).toBe(200);
      expect(listed.data).toMatchObject({ level, owner: bob.identityId });
      expect(listed.data?.items.map((item) => item.key)).toEqual([key]);

      const properties = await alice.api.GET('/files/properties', {
        params: { query: { level, key, owner: bob.identityId } },
      });
      expect(properties.data).toMatchObject({ owner: bob.identityId, key, size: text.length });

      const download = await alice.api.POST('/files/downloads', {
        body: { level, key, owner: bob.identityId },
      });
      expect(download.response.status).toBe(201);
      if (!download.data) throw new Error('download URL expected');
      expect(download.data.owner).toBe(bob.identityId);
      const got = await send(download.data);
      expect(got.status).toBe(200);
      expect(await got.text()).toBe(text);
    },
  );

  it('lists only the caller’s own folder when no owner is named', async () => {
    const own = await alice.api.GET('/files', { params: { query: { level: 'protected', prefix } } });
    expect(own.data).toMatchObject({ owner: alice.identityId, items: [] });
  });
});

describe('refused at the API, before anything is signed', () => {
  it('asking for a download URL of another user’s private file: 400 naming owner', async () => {
    const result = await alice.api.POST('/files/downloads', {
      body: { level: 'private', key: `${prefix}secret.txt`, owner: bob.identityId },
    });
    expect(result.response.status).toBe(400);
    expect(result.error).toMatchObject({ code: 'invalid_request', field: 'owner' });
  });

  it('listing another user’s private folder: 400 naming owner', async () => {
    const result = await alice.api.GET('/files', {
      params: { query: { level: 'private', owner: bob.identityId, prefix } },
    });
    expect(result.response.status).toBe(400);
    expect(result.error).toMatchObject({ code: 'invalid_request', field: 'owner' });
  });

  it('reading properties of another user’s private file: 400 naming owner', async () => {
    const result = await alice.api.GET('/files/properties', {
      params: { query: { level: 'private', key: `${prefix}secret.txt`, owner: bob.identityId } },
    });
    expect(result.response.status).toBe(400);
    expect(result.error).toMatchObject({ field: 'owner' });
  });

  it('uploading into another user’s folder: 400, an upload never takes an owner', async () => {
    const body = {
      level: 'public',
      key: `${prefix}open.txt`,
      contentType: 'text/plain',
      size: 5,
      owner: bob.identityId,
    };
    // Sent as a client with a stale or hostile schema would; the contract has no such field.
    const result = await alice.api.POST('/files/uploads', { body: body as never });
    expect(result.response.status).toBe(400);
    expect(result.error).toMatchObject({ code: 'invalid_request' });
  });

  it('a malformed owner: 400 naming owner', async () => {
    const result = await alice.api.GET('/files', {
      params: { query: { level: 'protected', owner: 'protected/../private' as never } },
    });
    expect(result.response.status).toBe(400);
    expect(result.error).toMatchObject({ field: 'owner' });
  });

  it('deleting never reaches another user’s file', async () => {
    const key = `${prefix}shared.txt`;
    const result = await alice.api.DELETE('/files', {
      params: { query: { level: 'protected', key, owner: bob.identityId } as never },
    });
    // Either refused as input or applied to alice's own (absent) key; bob's file must survive.
    expect([204, 400]).toContain(result.response.status);
    const still = await bob.api.GET('/files/properties', { params: { query: { level: 'protected', key } } });
    expect(still.response.status).toBe(200);
  });
});

describe('refused by storage', () => {
  let aliceCredentials: IdentityCredentials;
  let victim: VictimFiles;

  beforeAll(async () => {
    const [aliceIdentity, bobIdentity] = await Promise.all([
      identityCredentials(target, alice.idToken),
      identityCredentials(target, bob.idToken),
    ]);
    aliceCredentials = aliceIdentity;
    victim = await seedVictim(target, bobIdentity, `${prefix}raw/`);
  });

  it('alice’s presigned URL edited to point into bob’s folder: 403', async () => {
    const download = await alice.api.POST('/files/downloads', {
      body: { level: 'private', key: `${prefix}secret.txt` },
    });
    if (!download.data) throw new Error('download URL expected');
    expect(await (await send(download.data)).text()).toBe("alice's private file");
    const edited = await send(download.data, {
      url: swapOwner(download.data.url, alice.identityId, bob.identityId),
    });
    expect(edited.status).toBe(403);
    expect(await s3ErrorCode(edited)).toBe('SignatureDoesNotMatch');
  });

  it('alice’s own identity credentials, used directly on bob’s folders: every write, delete and private read is AccessDenied', async () => {
    expect(await probeCrossUser(target, aliceCredentials, victim)).toEqual(ALL_DENIED);
  });

  it('alice’s credentials still work in her own folder and on bob’s protected file (the policy is not simply closed)', async () => {
    const s3 = storageAs(target, aliceCredentials);
    try {
      const own = await s3.send(
        new ListObjectsV2Command({
          Bucket: target.bucketName,
          Prefix: `private/${alice.identityId}/${prefix}`,
        }),
      );
      expect(own.Contents?.map((item) => item.Key)).toEqual([
        `private/${alice.identityId}/${prefix}secret.txt`,
      ]);
      const shared = await s3.send(
        new ListObjectsV2Command({
          Bucket: target.bucketName,
          Prefix: `protected/${bob.identityId}/${prefix}raw/`,
        }),
      );
      expect(shared.Contents?.map((item) => item.Key)).toEqual([victim.protectedKey]);
    } finally {
      s3.destroy();
    }
  });

  it('nobody can enumerate the owners of protected/', async () => {
    const s3 = storageAs(target, aliceCredentials);
    try {
      const listing = s3.send(
        new ListObjectsV2Command({ Bucket: target.bucketName, Prefix: 'protected/', Delimiter: '/' }),
      );
      await expect(listing).rejects.toSatisfy(
        (error) => error instanceof S3ServiceException && error.name === 'AccessDenied',
      );
    } finally {
      s3.destroy();
    }
  });
});
