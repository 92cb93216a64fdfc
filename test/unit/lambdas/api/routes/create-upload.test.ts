import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../../../../lambdas/api/config';
import {
  alice,
  awsError,
  ENV,
  type EventInput,
  event,
  expectBadRequest,
  expectContract,
  parse,
  T0,
  useHarness,
} from '../../../support/fixtures';

const harness = useHarness();
const SHA = 'LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=';

const upload = (body: unknown): EventInput => ({ method: 'POST', path: '/files/uploads', body });
const valid = { level: 'private', key: 'photos/2026/cat.jpg', contentType: 'image/jpeg', size: 1234 };

function signedHeaders(url: string): string[] {
  return (new URL(url).searchParams.get('X-Amz-SignedHeaders') ?? '').split(';');
}

describe('POST /files/uploads', () => {
  test('presigns a PUT with the caller credentials, content type and exact length signed', async () => {
    const request = upload(valid);
    const response = await harness().call(request);
    expect(response.statusCode, response.body).toBe(201);
    expectContract(request, response);
    const body = parse(response);
    expect(body).toMatchObject({
      method: 'PUT',
      level: 'private',
      owner: alice.identityId,
      key: 'photos/2026/cat.jpg',
      headers: { 'Content-Type': 'image/jpeg', 'Content-Length': '1234' },
      expiresAt: new Date(T0 + 900_000).toISOString(),
    });
    expect(Object.keys(body.headers as object).sort()).toEqual(['Content-Length', 'Content-Type']);

    const url = new URL(body.url as string);
    expect(decodeURIComponent(url.pathname)).toBe(`/private/${alice.identityId}/photos/2026/cat.jpg`);
    expect(url.hostname).toBe('user-files-test.s3.us-east-1.amazonaws.com');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(
      /^ASIAUSER1KEY\/20260101\/us-east-1\/s3\/aws4_request$/,
    );
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe('SESSION-TOKEN-user1');
    expect(url.searchParams.get('X-Amz-Date')).toBe('20260101T000000Z');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(signedHeaders(url.href)).toEqual(['content-length', 'content-type', 'host']);
    // No SDK-added checksum the uploader could not know.
    expect(url.search.toLowerCase()).not.toContain('checksum');
    expect(harness().aws.s3.calls()).toHaveLength(0);
  });

  test('signs the SHA-256 as a header S3 verifies, not a query parameter', async () => {
    const response = await harness().call(upload({ ...valid, sha256: SHA }));
    expect(response.statusCode, response.body).toBe(201);
    const body = parse(response);
    expect(body.headers).toEqual({
      'Content-Type': 'image/jpeg',
      'Content-Length': '1234',
      'x-amz-checksum-sha256': SHA,
    });
    const url = body.url as string;
    expect(signedHeaders(url)).toEqual(['content-length', 'content-type', 'host', 'x-amz-checksum-sha256']);
    expect(new URL(url).searchParams.has('x-amz-checksum-sha256')).toBe(false);
  });

  test('with overwrite false, checks the key is free and signs If-None-Match: *', async () => {
    harness().aws.s3.on(HeadObjectCommand).rejects(awsError('NotFound', 404));
    const response = await harness().call(upload({ ...valid, overwrite: false }));
    expect(response.statusCode, response.body).toBe(201);
    const body = parse(response);
    expect(body.headers).toMatchObject({ 'If-None-Match': '*' });
    expect(signedHeaders(body.url as string)).toContain('if-none-match');
    const heads = harness().aws.s3.commandCalls(HeadObjectCommand);
    expect(heads).toHaveLength(1);
    expect(heads[0]?.args[0].input).toMatchObject({
      Bucket: 'user-files-test',
      Key: `private/${alice.identityId}/photos/2026/cat.jpg`,
    });
  });

  test('with overwrite false, an existing key answers 409 and nothing is signed', async () => {
    harness().aws.s3.on(HeadObjectCommand).resolves({ ContentLength: 1, ETag: '"x"' });
    const request = upload({ ...valid, overwrite: false });
    const response = await harness().call(request);
    expect(response.statusCode).toBe(409);
    expect(parse(response).code).toBe('conflict');
    expect(response.body).not.toContain('X-Amz-Signature');
    expectContract(request, response);
  });

  test('with overwrite true (the default), no HEAD is made', async () => {
    await harness().call(upload({ ...valid, overwrite: true }));
    expect(harness().aws.s3.calls()).toHaveLength(0);
  });

  test.each([
    ['a ".." segment', { key: 'a/../b' }, 'key'],
    ['a "." segment', { key: './b' }, 'key'],
    ['an empty segment', { key: 'a//b' }, 'key'],
    ['an absolute key', { key: '/etc/passwd' }, 'key'],
    ['an empty key', { key: '' }, 'key'],
    ['a trailing slash', { key: 'folder/' }, 'key'],
    ['a control character', { key: 'a\u0000b' }, 'key'],
    ['a newline', { key: 'a\nb' }, 'key'],
    ['a bidi override', { key: 'evil\u202egpj.exe' }, 'key'],
    ['a non-NFC key', { key: 'cafe\u0301' }, 'key'],
    ['an over-long key', { key: 'k'.repeat(1000) }, 'key'],
    ['a key that is not a string', { key: 42 }, 'key'],
    ['a missing key', { key: undefined }, 'key'],
    ['an unknown level', { level: 'secret' }, 'level'],
    ['a missing level', { level: undefined }, 'level'],
    ['a negative size', { size: -1 }, 'size'],
    ['a fractional size', { size: 1.5 }, 'size'],
    ['a size as a string', { size: '5' }, 'size'],
    ['a missing size', { size: undefined }, 'size'],
    ['a content type without subtype', { contentType: 'text' }, 'contentType'],
    ['a content type with spaces', { contentType: 'text/ plain' }, 'contentType'],
    ['a content type with CRLF', { contentType: 'text/plain\r\nX-Evil: 1' }, 'contentType'],
    ['an empty content type', { contentType: '' }, 'contentType'],
    ['an over-long content type', { contentType: `text/${'a'.repeat(251)}` }, 'contentType'],
    ['a bad sha256', { sha256: 'abc' }, 'sha256'],
    ['a non-boolean overwrite', { overwrite: 'no' }, 'overwrite'],
    ['an owner (uploads go to the caller folder only)', { owner: alice.identityId }, 'owner'],
    ['an unknown field', { acl: 'public-read' }, 'acl'],
  ])('refuses %s with 400 naming the field, signing nothing', async (_name, change, field) => {
    const request = upload({ ...valid, ...change });
    const response = await harness().call(request);
    expectBadRequest(request, response, field);
    expect(harness().storageCalls()).toBe(0);
    expect(harness().aws.s3.calls()).toHaveLength(0);
  });

  test.each([
    ['over the limit', 1048577],
    ['far over the limit', Number.MAX_SAFE_INTEGER],
  ])('refuses a size %s with 413 naming size and the limit, signing nothing', async (_name, size) => {
    const request = upload({ ...valid, size });
    const response = await harness().call(request);
    expect(response.statusCode, response.body).toBe(413);
    expectContract(request, response);
    expect(parse(response)).toMatchObject({
      code: 'payload_too_large',
      field: 'size',
      detail: `size: must be at most 1048576 bytes in level "private" (got ${size})`,
    });
    expect(response.body).not.toContain('X-Amz-Signature');
    expect(harness().storageCalls()).toBe(0);
    expect(harness().aws.cognito.calls()).toHaveLength(0);
  });

  test('accepts content types with parameters', async () => {
    const response = await harness().call(upload({ ...valid, contentType: 'text/plain; charset="utf-8"' }));
    expect(response.statusCode, response.body).toBe(201);
  });

  test('reports every invalid field at once', async () => {
    const request = upload({ level: 'nope', key: 1, contentType: 'x', size: -1, extra: true });
    const response = await harness().call(request);
    expectBadRequest(request, response, 'level');
    const fields = (parse(response).errors as Array<{ field: string }>).map((issue) => issue.field);
    expect(fields.sort()).toEqual(['contentType', 'extra', 'key', 'level', 'size']);
  });

  test.each([
    ['no body', { method: 'POST', path: '/files/uploads' }],
    ['an empty body', { method: 'POST', path: '/files/uploads', rawBody: '' }],
    ['a body that is not JSON', { method: 'POST', path: '/files/uploads', rawBody: '{"level":' }],
    ['a JSON array', { method: 'POST', path: '/files/uploads', rawBody: '[]' }],
    ['JSON null', { method: 'POST', path: '/files/uploads', rawBody: 'null' }],
    [
      'an oversized body',
      { method: 'POST', path: '/files/uploads', rawBody: `{"k":"${'x'.repeat(20_000)}"}` },
    ],
  ] as Array<[string, EventInput]>)('refuses %s with 400 naming body', async (_name, request) => {
    const response = await harness().call(request);
    expectBadRequest(request, response, 'body');
    expect(harness().storageCalls()).toBe(0);
  });

  test('never echoes the body text in the problem', async () => {
    const request = { method: 'POST', path: '/files/uploads', rawBody: '{"secret-marker": ' };
    const response = await harness().call(request);
    expect(response.body).not.toContain('secret-marker');
  });

  test('reads a base64-encoded body (API Gateway binary media types)', async () => {
    const encoded = event({
      method: 'POST',
      path: '/files/uploads',
      rawBody: Buffer.from(JSON.stringify(valid)).toString('base64'),
    });
    encoded.isBase64Encoded = true;
    const response = await harness().app.call(encoded);
    expect(response.statusCode, response.body).toBe(201);
  });
});

describe('POST /files/uploads with per-level rules', () => {
  const ruled = useHarness({
    config: loadConfig({
      ...ENV,
      UPLOAD_RULES: JSON.stringify({
        private: { maxUploadBytes: 100, allowedContentTypes: ['image/*', 'application/pdf'] },
        public: { allowedContentTypes: ['text/plain'] },
      }),
    }),
  });
  const at = (level: string, contentType: string, size: number) =>
    upload({ level, key: 'a/file', contentType, size });

  test.each([
    ['private', 'image/png', 100],
    ['private', 'IMAGE/PNG', 1],
    ['private', 'application/PDF', 1],
    ['protected', 'text/html', 1048576],
    ['public', 'text/plain; charset=utf-8', 1048576],
  ])('signs %s %s of %d bytes, with the type exactly as sent', async (level, contentType, size) => {
    const request = at(level, contentType, size);
    const response = await ruled().call(request);
    expect(response.statusCode, response.body).toBe(201);
    expectContract(request, response);
    expect((parse(response).headers as Record<string, string>)['Content-Type']).toBe(contentType);
  });

  test.each([
    ['private', 'text/plain', 'image/*, application/pdf'],
    ['public', 'text/html', 'text/plain'],
    ['public', 'text/plainx', 'text/plain'],
  ])('refuses %s %s with 400 on contentType, signing nothing', async (level, contentType, listed) => {
    const request = at(level, contentType, 1);
    const response = await ruled().call(request);
    expectBadRequest(request, response, 'contentType');
    expect(parse(response).detail).toContain(`accepted: ${listed}`);
    expect(ruled().storageCalls()).toBe(0);
    expect(ruled().aws.cognito.calls()).toHaveLength(0);
  });

  test('image/* includes SVG (downloads keep active content an attachment)', async () => {
    expect((await ruled().call(at('private', 'image/svg+xml', 1))).statusCode).toBe(201);
  });

  test('refuses a private upload over its own limit with 413, while protected keeps the default', async () => {
    const request = at('private', 'image/png', 101);
    const response = await ruled().call(request);
    expect(response.statusCode, response.body).toBe(413);
    expectContract(request, response);
    expect(parse(response)).toMatchObject({
      field: 'size',
      detail: expect.stringContaining('at most 100 bytes'),
    });
    expect(ruled().storageCalls()).toBe(0);
    expect((await ruled().call(at('protected', 'image/png', 101))).statusCode).toBe(201);
  });
});

describe('POST /files/uploads above 5 GiB', () => {
  const large = useHarness({
    config: loadConfig({
      ...ENV,
      UPLOAD_RULES: JSON.stringify({ private: { maxUploadBytes: 10 * 1024 ** 3 } }),
    }),
  });

  test('a level may allow more than one PUT takes: 413 naming size points to multipart, nothing signed', async () => {
    const request = upload({
      level: 'private',
      key: 'big.bin',
      contentType: 'video/mp4',
      size: 5 * 1024 ** 3 + 1,
    });
    const response = await large().call(request);
    expect(response.statusCode, response.body).toBe(413);
    expectContract(request, response);
    expect(parse(response)).toMatchObject({
      code: 'payload_too_large',
      field: 'size',
      detail: expect.stringContaining('POST /files/multipart'),
    });
    expect(large().storageCalls()).toBe(0);
    // The same level still signs one PUT of exactly 5 GiB.
    const fits = upload({ level: 'private', key: 'big.bin', contentType: 'video/mp4', size: 5 * 1024 ** 3 });
    expect((await large().call(fits)).statusCode).toBe(201);
  });
});
