import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, test } from 'vitest';
import {
  alice,
  awsError,
  bob,
  type EventInput,
  expectBadRequest,
  expectContract,
  parse,
  T0,
  useHarness,
} from '../../../support/fixtures';

const harness = useHarness();

const download = (body: unknown): EventInput => ({ method: 'POST', path: '/files/downloads', body });
const valid = { level: 'private', key: 'docs/report.pdf' };

describe('POST /files/downloads', () => {
  test('presigns a GET of the caller object with the default lifetime', async () => {
    const request = download(valid);
    const response = await harness().call(request);
    expect(response.statusCode, response.body).toBe(201);
    expectContract(request, response);
    const body = parse(response);
    expect(body).toMatchObject({
      method: 'GET',
      headers: {},
      level: 'private',
      owner: alice.identityId,
      key: 'docs/report.pdf',
      expiresAt: new Date(T0 + 900_000).toISOString(),
    });
    const url = new URL(body.url as string);
    expect(decodeURIComponent(url.pathname)).toBe(`/private/${alice.identityId}/docs/report.pdf`);
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^ASIAUSER1KEY\//);
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    // Never rendered in the storage origin unless asked for and safe.
    expect(url.searchParams.get('response-content-disposition')).toBe('attachment');
    expect(url.searchParams.has('response-content-type')).toBe(false);
    // The URL is the check: no HEAD or other S3 call.
    expect(harness().aws.s3.calls()).toHaveLength(0);
  });

  test('signs another owner protected object with the caller own credentials', async () => {
    const response = await harness().call(
      download({ level: 'protected', key: 'a.txt', owner: bob.identityId }),
    );
    expect(response.statusCode, response.body).toBe(201);
    const body = parse(response);
    expect(body.owner).toBe(bob.identityId);
    const url = new URL(body.url as string);
    expect(decodeURIComponent(url.pathname)).toBe(`/protected/${bob.identityId}/a.txt`);
    // Alice's credentials: IAM, not this code, decides whether she may read Bob's object.
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^ASIAUSER1KEY\//);
  });

  test('honours a requested lifetime', async () => {
    const response = await harness().call(download({ ...valid, expiresIn: 60 }));
    const body = parse(response);
    expect(body.expiresAt).toBe(new Date(T0 + 60_000).toISOString());
    expect(new URL(body.url as string).searchParams.get('X-Amz-Expires')).toBe('60');
  });

  test('signs a Content-Disposition with an ASCII fallback and the exact UTF-8 name', async () => {
    const response = await harness().call(download({ ...valid, filename: 'Résumé (final) 100%.pdf' }));
    expect(response.statusCode, response.body).toBe(201);
    const url = new URL(parse(response).url as string);
    expect(url.searchParams.get('response-content-disposition')).toBe(
      `attachment; filename="Resume (final) 100_.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%28final%29%20100%25.pdf`,
    );
  });

  test.each([
    ['an owner for a private object', { owner: bob.identityId }, 'owner'],
    ['a malformed owner', { level: 'public', owner: 'bob' }, 'owner'],
    ['an owner with a path trick', { level: 'public', owner: `${bob.identityId}/../x` }, 'owner'],
    ['an upper-case owner', { level: 'public', owner: bob.identityId.toUpperCase() }, 'owner'],
    ['a zero lifetime', { expiresIn: 0 }, 'expiresIn'],
    ['a negative lifetime', { expiresIn: -5 }, 'expiresIn'],
    ['a lifetime over the maximum', { expiresIn: 3601 }, 'expiresIn'],
    ['a fractional lifetime', { expiresIn: 1.5 }, 'expiresIn'],
    ['a lifetime as a string', { expiresIn: '60' }, 'expiresIn'],
    ['a filename with a quote', { filename: 'a".pdf' }, 'filename'],
    ['a filename with a slash', { filename: 'a/b.pdf' }, 'filename'],
    ['a filename with a backslash', { filename: 'a\\b.pdf' }, 'filename'],
    ['a filename with a control character', { filename: 'a\r\nb.pdf' }, 'filename'],
    ['an empty filename', { filename: '' }, 'filename'],
    ['an over-long filename', { filename: `${'a'.repeat(256)}` }, 'filename'],
    ['a ".." key', { key: '../other/x' }, 'key'],
    ['an unknown level', { level: 'everyone' }, 'level'],
    ['an unknown field', { bucket: 'other' }, 'bucket'],
    ['a non-boolean inline', { inline: 'yes' }, 'inline'],
    ['a bad filename with inline', { inline: true, filename: 'a/b' }, 'filename'],
  ])('refuses %s with 400 naming the field, signing nothing', async (_name, change, field) => {
    const request = download({ ...valid, ...change });
    const response = await harness().call(request);
    expectBadRequest(request, response, field);
    expect(harness().storageCalls()).toBe(0);
  });

  test('refuses a missing body naming body', async () => {
    const request = { method: 'POST', path: '/files/downloads' };
    expectBadRequest(request, await harness().call(request), 'body');
  });
});

describe('POST /files/downloads: active content is never rendered inline', () => {
  const disposition = (response: { body: string }) =>
    new URL(parse(response as never).url as string).searchParams;

  test('without inline, signs attachment and makes no storage call, whatever the object is', async () => {
    const response = await harness().call(download({ ...valid, key: 'site/index.html' }));
    expect(response.statusCode, response.body).toBe(201);
    expect(disposition(response).get('response-content-disposition')).toBe('attachment');
    expect(harness().aws.s3.calls()).toHaveLength(0);
  });

  test.each([
    ['image/png', 'image/png'],
    ['text/plain; charset=utf-8', 'text/plain; charset=utf-8'],
    ['application/pdf', 'application/pdf'],
  ])('inline of a %s object: one HEAD, signed inline with the type pinned', async (stored, pinned) => {
    harness()
      .aws.s3.on(HeadObjectCommand)
      .resolves({ ContentType: stored, ContentLength: 3, ETag: '"e"', LastModified: new Date(T0) });
    const request = download({ ...valid, inline: true, filename: 'Report.pdf' });
    const response = await harness().call(request);
    expect(response.statusCode, response.body).toBe(201);
    expectContract(request, response);
    const query = disposition(response);
    expect(query.get('response-content-disposition')).toBe(
      `inline; filename="Report.pdf"; filename*=UTF-8''Report.pdf`,
    );
    expect(query.get('response-content-type')).toBe(pinned);
    const heads = harness().aws.s3.commandCalls(HeadObjectCommand);
    expect(heads.map((call) => call.args[0].input.Key)).toEqual([
      `private/${alice.identityId}/docs/report.pdf`,
    ]);
  });

  test.each([
    'text/html',
    'text/html; charset=utf-8',
    'application/xhtml+xml',
    'image/svg+xml',
    'text/javascript',
    'application/javascript',
    'application/ecmascript',
    'text/xml',
    'application/xml',
    'application/rss+xml',
    'application/octet-stream',
    'garbage',
  ])('inline of a %s object is still an attachment, type not pinned', async (stored) => {
    harness()
      .aws.s3.on(HeadObjectCommand)
      .resolves({ ContentType: stored, ContentLength: 3, ETag: '"e"', LastModified: new Date(T0) });
    const response = await harness().call(download({ ...valid, inline: true, filename: 'page.html' }));
    expect(response.statusCode, response.body).toBe(201);
    const query = disposition(response);
    expect(query.get('response-content-disposition')).toBe(
      `attachment; filename="page.html"; filename*=UTF-8''page.html`,
    );
    expect(query.has('response-content-type')).toBe(false);
  });

  test('inline of a missing object answers 404 and signs nothing', async () => {
    harness().aws.s3.on(HeadObjectCommand).rejects(awsError('Forbidden', 403));
    harness().aws.s3.on(ListObjectsV2Command).resolves({ Contents: [] });
    const request = download({ ...valid, inline: true });
    const response = await harness().call(request);
    expect(response.statusCode, response.body).toBe(404);
    expectContract(request, response);
    expect(response.body).not.toContain('X-Amz-Signature');
  });
});

test('a bad lifetime or filename is refused before any Cognito call', async () => {
  for (const body of [
    { level: 'private', key: 'a.txt', expiresIn: 999_999 },
    { level: 'private', key: 'a.txt', filename: 'a\r\nb' },
  ]) {
    const request = download(body);
    const response = await harness().call(request);
    expect(response.statusCode, response.body).toBe(400);
  }
  expect(harness().aws.cognito.calls()).toHaveLength(0);
});
