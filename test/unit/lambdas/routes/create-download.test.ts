import { describe, expect, test } from 'vitest';
import {
  alice,
  bob,
  type EventInput,
  expectBadRequest,
  expectContract,
  parse,
  T0,
  useHarness,
} from '../../support/fixtures';

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
    expect(url.searchParams.has('response-content-disposition')).toBe(false);
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
    ['an unknown level', { level: 'shared' }, 'level'],
    ['an unknown field', { bucket: 'other' }, 'bucket'],
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
