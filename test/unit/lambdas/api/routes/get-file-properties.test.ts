import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, test } from 'vitest';
import {
  alice,
  awsError,
  bob,
  expectBadRequest,
  expectContract,
  parse,
  useHarness,
} from '../../../support/fixtures';

const harness = useHarness();
const properties = (query: Record<string, string>) => ({ method: 'GET', path: '/files/properties', query });
const modified = new Date(Date.UTC(2026, 0, 2));
const SHA = 'LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=';

describe('GET /files/properties', () => {
  test('answers size, type, ETag, date and SHA-256 from a HEAD with checksums enabled', async () => {
    harness().aws.s3.on(HeadObjectCommand).resolves({
      ContentLength: 5,
      ContentType: 'text/plain',
      ETag: '"etag"',
      LastModified: modified,
      ChecksumSHA256: SHA,
    });
    const request = properties({ level: 'protected', key: 'notes/a.txt' });
    const response = await harness().call(request);
    expect(response.statusCode, response.body).toBe(200);
    expectContract(request, response);
    expect(parse(response)).toEqual({
      level: 'protected',
      owner: alice.identityId,
      key: 'notes/a.txt',
      size: 5,
      contentType: 'text/plain',
      etag: '"etag"',
      lastModified: modified.toISOString(),
      sha256: SHA,
    });
    expect(harness().aws.s3.commandCalls(HeadObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: 'user-files-test',
      Key: `protected/${alice.identityId}/notes/a.txt`,
      ChecksumMode: 'ENABLED',
    });
  });

  test('leaves out composite (multipart) checksums', async () => {
    harness()
      .aws.s3.on(HeadObjectCommand)
      .resolves({
        ContentLength: 5,
        ETag: '"e-2"',
        LastModified: modified,
        ChecksumSHA256: `${SHA}-2`,
      });
    const body = parse(await harness().call(properties({ level: 'private', key: 'a' })));
    expect(body.sha256).toBeUndefined();
    expect(body.contentType).toBe('application/octet-stream');
  });

  test('reads another owner public object', async () => {
    harness()
      .aws.s3.on(HeadObjectCommand)
      .resolves({ ContentLength: 1, ETag: '"e"', LastModified: modified });
    const response = await harness().call(properties({ level: 'public', key: 'a', owner: bob.identityId }));
    expect(parse(response).owner).toBe(bob.identityId);
  });

  test.each([
    ['NotFound', 404, 404, 'not_found'],
    ['NoSuchKey', 404, 404, 'not_found'],
    ['Forbidden', 403, 403, 'forbidden'],
    ['AccessDenied', 403, 403, 'forbidden'],
  ])('maps S3 %s (%i) to %i', async (name, status, expected, code) => {
    harness().aws.s3.on(HeadObjectCommand).rejects(awsError(name, status));
    // The key is there: the refusal is real (a missing key is the next test).
    harness()
      .aws.s3.on(ListObjectsV2Command)
      .resolves({ Contents: [{ Key: `private/${alice.identityId}/a` }] });
    const request = properties({ level: 'private', key: 'a' });
    const response = await harness().call(request);
    expect(response.statusCode).toBe(expected);
    expect(parse(response).code).toBe(code);
    expectContract(request, response);
  });

  test('answers 404 when S3 refuses the HEAD (as it does for a missing key) and the listing lacks the key', async () => {
    harness().aws.s3.on(HeadObjectCommand).rejects(awsError('Forbidden', 403));
    harness().aws.s3.on(ListObjectsV2Command).resolves({ Contents: [] });
    const request = properties({ level: 'private', key: 'a' });
    const response = await harness().call(request);
    expect(response.statusCode).toBe(404);
    expect(parse(response).code).toBe('not_found');
    expect(harness().aws.s3.commandCalls(ListObjectsV2Command)[0]?.args[0].input).toMatchObject({
      Prefix: `private/${alice.identityId}/a`,
      MaxKeys: 1,
    });
    expectContract(request, response);
  });

  test.each([
    ['a missing key', { level: 'private' }, 'key'],
    ['a key with a control character', { level: 'private', key: 'a\u0007' }, 'key'],
    ['an owner for private', { level: 'private', key: 'a', owner: bob.identityId }, 'owner'],
    ['a malformed owner', { level: 'public', key: 'a', owner: 'x' }, 'owner'],
  ])('refuses %s with 400 naming the field', async (_name, query, field) => {
    const request = properties(query);
    expectBadRequest(request, await harness().call(request), field);
    expect(harness().aws.s3.calls()).toHaveLength(0);
  });
});
