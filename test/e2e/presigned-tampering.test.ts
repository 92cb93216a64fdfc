/**
 * A presigned URL is good for exactly what was signed: this key, this method, this content type,
 * this length (and checksum), until it expires. Every variation is refused by storage, and the
 * untouched request still works afterwards, so the refusals are the signature's doing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteAllUnder, type Session, signIn } from './support/session';
import {
  type Presigned,
  randomBody,
  runPrefix,
  s3ErrorCode,
  send,
  sha256Base64,
  sleep,
  swapKey,
} from './support/storage';
import { e2eTarget } from './support/target';

const target = e2eTarget();
const prefix = runPrefix('tampering');
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

async function uploadUrl(
  user: Session,
  key: string,
  body: Uint8Array,
  extra: { sha256?: string } = {},
): Promise<Presigned> {
  const result = await user.api.POST('/files/uploads', {
    body: { level: 'private', key, contentType: 'text/plain', size: body.length, overwrite: true, ...extra },
  });
  if (!result.data) throw new Error(`upload URL expected, got ${result.response.status}`);
  return result.data;
}

async function exists(
  user: Session,
  key: string,
  level: 'private' | 'protected' = 'private',
): Promise<boolean> {
  const result = await user.api.GET('/files/properties', { params: { query: { level, key } } });
  return result.response.status === 200;
}

async function refused(response: Response): Promise<string> {
  expect(response.status).toBe(403);
  return s3ErrorCode(response);
}

describe('a presigned upload', () => {
  const key = `${prefix}signed.txt`;
  const body = randomBody(64);
  let upload: Presigned;

  beforeAll(async () => {
    upload = await uploadUrl(alice, key, body);
  });

  it('refuses another key', async () => {
    const otherKey = `${prefix}other.txt`;
    const response = await send(upload, { url: swapKey(upload.url, key, otherKey), body });
    expect(await refused(response)).toBe('SignatureDoesNotMatch');
    expect(await exists(alice, otherKey)).toBe(false);
  });

  it('refuses another content type', async () => {
    const headers = { ...upload.headers };
    const typeHeader = Object.keys(headers).find((name) => name.toLowerCase() === 'content-type');
    expect(typeHeader).toBeDefined();
    headers[typeHeader ?? 'Content-Type'] = 'text/html';
    expect(await refused(await send(upload, { headers, body }))).toBe('SignatureDoesNotMatch');
  });

  it.each([
    ['longer', 65],
    ['shorter', 63],
  ])('refuses a %s body than signed', async (_, size) => {
    expect(await refused(await send(upload, { body: randomBody(size) }))).toBe('SignatureDoesNotMatch');
    expect(await exists(alice, key)).toBe(false);
  });

  it('refuses the GET method', async () => {
    expect(await refused(await send(upload, { method: 'GET', headers: {} }))).toBe('SignatureDoesNotMatch');
  });

  it('still accepts exactly what was signed', async () => {
    expect((await send(upload, { body })).status).toBe(200);
    expect(await exists(alice, key)).toBe(true);
  });

  it('with a signed checksum, refuses another body of the same length', async () => {
    const checked = new TextEncoder().encode('checksummed content');
    const url = await uploadUrl(alice, `${prefix}checked.txt`, checked, { sha256: sha256Base64(checked) });
    const forged = new TextEncoder().encode('checksummed CONTENT');
    const response = await send(url, { body: forged });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(await exists(alice, `${prefix}checked.txt`)).toBe(false);
    expect((await send(url, { body: checked })).status).toBe(200);
  });
});

describe('a presigned download', () => {
  it('stops working when it expires', async () => {
    const key = `${prefix}expiring.txt`;
    const body = new TextEncoder().encode('short-lived');
    expect((await send(await uploadUrl(alice, key, body), { body })).status).toBe(200);
    const result = await alice.api.POST('/files/downloads', {
      body: { level: 'private', key, expiresIn: 1 },
    });
    if (!result.data) throw new Error('download URL expected');
    expect(Date.parse(result.data.expiresAt) - Date.now()).toBeLessThanOrEqual(1000);
    // SigV4 expiry has one-second granularity: past the second after X-Amz-Date + 1 s it is over.
    await sleep(2100);
    const response = await send(result.data);
    expect(await refused(response)).toBe('AccessDenied');
  });

  it('of another user cannot be pointed at another of that user’s keys', async () => {
    // bob shares one protected file; alice takes the URL bob's download gave her and aims it at
    // bob's other (private) file, which she could never ask the API for.
    const shared = `${prefix}bob-shared.txt`;
    const secret = `${prefix}bob-secret.txt`;
    for (const [level, key] of [
      ['protected', shared],
      ['private', secret],
    ] as const) {
      const body = new TextEncoder().encode(`${level} of bob`);
      const url = await bob.api.POST('/files/uploads', {
        body: { level, key, contentType: 'text/plain', size: body.length, overwrite: true },
      });
      if (!url.data) throw new Error('upload URL expected');
      expect((await send(url.data, { body })).status).toBe(200);
    }
    const result = await alice.api.POST('/files/downloads', {
      body: { level: 'protected', key: shared, owner: bob.identityId },
    });
    if (!result.data) throw new Error('download URL expected');
    expect(await (await send(result.data)).text()).toBe('protected of bob');
    const aimed = new URL(swapKey(result.data.url, shared, secret));
    aimed.pathname = aimed.pathname.replace('/protected/', '/private/');
    expect(await refused(await send(result.data, { url: aimed.toString() }))).toBe('SignatureDoesNotMatch');
  });

  it('of another user cannot upload under a different key', async () => {
    const body = new TextEncoder().encode('from bob');
    const bobs = await uploadUrl(bob, `${prefix}bob-upload.txt`, body);
    const response = await send(bobs, {
      url: swapKey(bobs.url, `${prefix}bob-upload.txt`, `${prefix}hijack.txt`),
      body,
    });
    expect(await refused(response)).toBe('SignatureDoesNotMatch');
    expect(await exists(bob, `${prefix}hijack.txt`)).toBe(false);
  });
});
