/**
 * Keys written around the API, straight to storage with the user's own identity credentials, can
 * break the key rules (traversal, bidi overrides, NFD, `\`, `//`, tabs). IAM allows them (they are
 * in the user's own folder), but a listing must never return them as keys or folders: it leaves
 * them out and says how many.
 */
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../shared/domain/cursor';
import { toListPrefix, toObjectKey } from '../../shared/domain/keys';
import { deleteAllUnder, identityCredentials, type Session, signIn, storageAs } from './support/session';
import { runPrefix } from './support/storage';
import { e2eTarget } from './support/target';

const target = e2eTarget();
const prefix = runPrefix('listing-rules');
let alice: Session;
let storage: S3Client;
let hostile: string[];

const own = () => `private/${alice.identityId}/`;

beforeAll(async () => {
  const [first, second] = await Promise.all(target.users.map((user) => signIn(target, user)));
  if (!first || !second) throw new Error('two users expected');
  alice = first;
  storage = storageAs(target, await identityCredentials(target, alice.idToken));
  hostile = [
    `../../private/${second.identityId}/x`,
    'invoice\u202Efdp.exe',
    'cafe\u0301.txt',
    'a\\b',
    'a//b',
    'tab\there',
  ];
  for (const key of ['good.txt', ...hostile]) {
    await storage.send(
      new PutObjectCommand({ Bucket: target.bucketName, Key: `${own()}${prefix}${key}`, Body: 'x' }),
    );
  }
});

afterAll(async () => {
  if (!alice) return;
  for (const key of hostile ?? []) {
    await storage.send(
      new DeleteObjectCommand({ Bucket: target.bucketName, Key: `${own()}${prefix}${key}` }),
    );
  }
  await deleteAllUnder(alice.api, prefix);
  storage.destroy();
});

describe('GET /files over keys written around the API', () => {
  it('lists only keys that satisfy the key rules, and counts the rest', async () => {
    const page = await alice.api.GET('/files', { params: { query: { level: 'private', prefix } } });
    expect(page.response.status).toBe(200);
    expect(page.data?.items.map((item) => item.key)).toEqual([`${prefix}good.txt`]);
    expect(page.data?.omitted).toBe(hostile.length);
  });

  it('with a delimiter, leaves out folders that break the rules too', async () => {
    const page = await alice.api.GET('/files', {
      params: { query: { level: 'private', prefix, delimiter: '/' } },
    });
    expect(page.response.status).toBe(200);
    const data = page.data;
    if (!data) throw new Error('a listing expected');
    // `../` (from the traversal) is left out; `a/` (holding `a//b`) is a valid folder.
    expect(data.folders).toEqual([`${prefix}a/`]);
    expect(data.items.map((item) => item.key)).toEqual([`${prefix}good.txt`]);
    expect(data.omitted).toBe(5);
    for (const item of data.items)
      expect(() => toObjectKey('private', alice.identityId, item.key)).not.toThrow();
    for (const folder of data.folders)
      expect(() => toListPrefix('private', alice.identityId, folder)).not.toThrow();

    const inside = await alice.api.GET('/files', {
      params: { query: { level: 'private', prefix: `${prefix}a/`, delimiter: '/' } },
    });
    expect(inside.data).toMatchObject({ items: [], folders: [], omitted: 1 });
  });

  it('answers a forged cursor (a continuation token storage never issued) 400 naming cursor, as S3 answers 400', async () => {
    // The cursor's digest is not secret, so anyone can wrap a token of their own for the right folder.
    const cursor = encodeCursor('0123456789abcdef0123456789abcdef', {
      level: 'private',
      owner: alice.identityId,
      prefix,
    });
    const page = await alice.api.GET('/files', { params: { query: { level: 'private', prefix, cursor } } });
    expect(page.response.status).toBe(400);
    expect(page.error).toMatchObject({ code: 'invalid_request', field: 'cursor' });
  });
});
