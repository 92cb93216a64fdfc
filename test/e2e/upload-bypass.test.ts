/**
 * Storage, not the API, enforces what an upload URL was signed for: each bypass a client could try
 * with a genuine presigned PUT (another length, another content type, dropping the signed
 * `If-None-Match` or checksum) is refused by storage, and nothing is stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteAllUnder, type Session, signIn } from './support/session';
import { type Presigned, randomBody, runPrefix, s3ErrorCode, send, sha256Base64 } from './support/storage';
import { e2eTarget } from './support/target';

const target = e2eTarget();
const prefix = runPrefix('bypass');
let alice: Session;

beforeAll(async () => {
  const [first] = target.users;
  if (!first) throw new Error('a user expected');
  alice = await signIn(target, first);
});

afterAll(async () => {
  if (alice) await deleteAllUnder(alice.api, prefix);
});

async function uploadUrl(
  key: string,
  body: Uint8Array,
  extra: { overwrite?: boolean; sha256?: string } = {},
): Promise<Presigned> {
  const result = await alice.api.POST('/files/uploads', {
    // Random bytes, declared as what they are: the events function removes an object whose bytes
    // break its declared type, which would race the overwrite checks below.
    body: { level: 'protected', key, contentType: 'application/octet-stream', size: body.length, ...extra },
  });
  if (!result.data) throw new Error(`upload URL expected, got ${result.response.status}`);
  return result.data;
}

async function stored(key: string): Promise<boolean> {
  const result = await alice.api.GET('/files/properties', { params: { query: { level: 'protected', key } } });
  return result.response.status === 200;
}

function without(headers: Record<string, string>, name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([header]) => header.toLowerCase() !== name));
}

describe('storage refuses a presigned upload sent with', () => {
  it.each([
    ['a longer body', 33],
    ['a shorter body', 31],
    ['an empty body', 0],
  ])('%s than signed', async (_name, size) => {
    const key = `${prefix}length-${size}.bin`;
    const upload = await uploadUrl(key, randomBody(32));
    const response = await send(upload, { body: randomBody(size) });
    expect(response.status).toBe(403);
    expect(await s3ErrorCode(response)).toBe('SignatureDoesNotMatch');
    expect(await stored(key)).toBe(false);
  });

  it.each([
    ['text/html'],
    ['image/svg+xml'],
    ['APPLICATION/OCTET-STREAM'],
    ['application/octet-stream; charset=utf-8'],
  ])('another content type: %s', async (contentType) => {
    const key = `${prefix}type.bin`;
    const body = randomBody(16);
    const upload = await uploadUrl(key, body);
    const headers = { ...without(upload.headers, 'content-type'), 'Content-Type': contentType };
    const response = await send(upload, { headers, body });
    expect(response.status).toBe(403);
    expect(await s3ErrorCode(response)).toBe('SignatureDoesNotMatch');
    expect(await stored(key)).toBe(false);
  });

  it('no If-None-Match when it was signed (overwrite: false), so it cannot replace an object', async () => {
    const key = `${prefix}kept.bin`;
    const body = randomBody(16);
    const upload = await uploadUrl(key, body, { overwrite: false });
    expect(upload.headers).toMatchObject({ 'If-None-Match': '*' });
    const response = await send(upload, { headers: without(upload.headers, 'if-none-match'), body });
    expect(response.status).toBe(403);
    expect(await s3ErrorCode(response)).toBe('SignatureDoesNotMatch');
    expect(await stored(key)).toBe(false);
    // The URL as signed still works once, and then never again over the stored object.
    expect((await send(upload, { body })).status).toBe(200);
    expect((await send(upload, { body: randomBody(16) })).status).toBe(412);
  });

  it('no checksum header when a SHA-256 was signed', async () => {
    const key = `${prefix}checked.bin`;
    const body = randomBody(16);
    const upload = await uploadUrl(key, body, { sha256: sha256Base64(body) });
    const response = await send(upload, { headers: without(upload.headers, 'x-amz-checksum-sha256'), body });
    expect(response.status).toBe(403);
    expect(await s3ErrorCode(response)).toBe('SignatureDoesNotMatch');
    expect(await stored(key)).toBe(false);
  });
});
