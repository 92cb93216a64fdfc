import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, test } from 'vitest';
import { encodeCursor } from '../../../../../shared/domain/cursor';
import {
  alice,
  awsError,
  bob,
  type EventInput,
  event,
  expectBadRequest,
  expectContract,
  parse,
  useHarness,
} from '../../../support/fixtures';

const harness = useHarness();
const list = (query: Record<string, string>): EventInput => ({ method: 'GET', path: '/files', query });
const mine = `private/${alice.identityId}/`;
const modified = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));

describe('GET /files', () => {
  test('lists one folder with the caller credentials and relative keys', async () => {
    harness()
      .aws.s3.on(ListObjectsV2Command)
      .resolves({
        Contents: [{ Key: `${mine}photos/cat.jpg`, Size: 10, LastModified: modified, ETag: '"abc"' }],
        CommonPrefixes: [{ Prefix: `${mine}photos/2026/` }],
        IsTruncated: false,
      });
    const request = list({ level: 'private', prefix: 'photos/', delimiter: '/', limit: '50' });
    const response = await harness().call(request);
    expect(response.statusCode, response.body).toBe(200);
    expectContract(request, response);
    expect(parse(response)).toEqual({
      level: 'private',
      owner: alice.identityId,
      prefix: 'photos/',
      items: [{ key: 'photos/cat.jpg', size: 10, lastModified: modified.toISOString(), etag: '"abc"' }],
      folders: ['photos/2026/'],
      omitted: 0,
    });
    const calls = harness().aws.s3.commandCalls(ListObjectsV2Command);
    expect(calls[0]?.args[0].input).toEqual({
      Bucket: 'user-files-test',
      Prefix: `${mine}photos/`,
      Delimiter: '/',
      MaxKeys: 50,
      ContinuationToken: undefined,
    });
  });

  test('leaves out, and counts, keys and folders that break the key rules', async () => {
    const hostile = [
      `../../private/${bob.identityId}/x`,
      'invoice\u202Efdp.exe',
      'cafe\u0301.txt',
      'a\\b',
      'a//b',
      'a\tb',
    ];
    harness()
      .aws.s3.on(ListObjectsV2Command)
      .resolves({
        Contents: [
          { Key: `${mine}good.txt`, Size: 1, LastModified: modified, ETag: '"g"' },
          ...hostile.map((key) => ({ Key: `${mine}${key}`, Size: 1, LastModified: modified, ETag: '"h"' })),
        ],
        CommonPrefixes: [{ Prefix: `${mine}ok/` }, { Prefix: `${mine}../` }, { Prefix: `${mine}/` }],
        IsTruncated: true,
        NextContinuationToken: 'next-token',
      });
    const request = list({ level: 'private', delimiter: '/' });
    const response = await harness().call(request);
    expect(response.statusCode, response.body).toBe(200);
    expectContract(request, response);
    const body = parse(response);
    expect(body).toMatchObject({ items: [{ key: 'good.txt' }], folders: ['ok/'], omitted: 8 });
    expect(body.nextCursor).toEqual(expect.any(String));
    for (const key of hostile) expect(response.body).not.toContain(JSON.stringify(key).slice(1, -1));
  });

  test('defaults to the whole folder, recursively, 100 entries', async () => {
    harness().aws.s3.on(ListObjectsV2Command).resolves({});
    const response = await harness().call(list({ level: 'private' }));
    expect(parse(response)).toMatchObject({ prefix: '', items: [], folders: [] });
    expect(harness().aws.s3.commandCalls(ListObjectsV2Command)[0]?.args[0].input).toMatchObject({
      Prefix: mine,
      Delimiter: undefined,
      MaxKeys: 100,
    });
  });

  test('pages with an opaque cursor bound to the folder', async () => {
    const s3 = harness().aws.s3;
    s3.on(ListObjectsV2Command, { ContinuationToken: undefined }).resolves({
      Contents: [{ Key: `${mine}a`, Size: 1, LastModified: modified, ETag: '"1"' }],
      IsTruncated: true,
      NextContinuationToken: 'S3-TOKEN-1',
    });
    s3.on(ListObjectsV2Command, { ContinuationToken: 'S3-TOKEN-1' }).resolves({
      Contents: [{ Key: `${mine}b`, Size: 2, LastModified: modified, ETag: '"2"' }],
      IsTruncated: false,
    });
    const first = parse(await harness().call(list({ level: 'private', limit: '1' })));
    expect(typeof first.nextCursor).toBe('string');
    expect(first.nextCursor).not.toContain('S3-TOKEN');
    const secondRequest = list({ level: 'private', limit: '1', cursor: first.nextCursor as string });
    const secondResponse = await harness().call(secondRequest);
    expectContract(secondRequest, secondResponse);
    const second = parse(secondResponse);
    expect((second.items as Array<{ key: string }>).map((item) => item.key)).toEqual(['b']);
    expect(second.nextCursor).toBeUndefined();
  });

  test('lists another owner protected folder with the caller own credentials', async () => {
    harness().aws.s3.on(ListObjectsV2Command).resolves({});
    const response = await harness().call(list({ level: 'protected', owner: bob.identityId }));
    expect(response.statusCode).toBe(200);
    expect(parse(response).owner).toBe(bob.identityId);
    expect(harness().aws.s3.commandCalls(ListObjectsV2Command)[0]?.args[0].input.Prefix).toBe(
      `protected/${bob.identityId}/`,
    );
  });

  test('answers 403 when storage refuses the caller', async () => {
    harness().aws.s3.on(ListObjectsV2Command).rejects(awsError('AccessDenied', 403));
    const request = list({ level: 'protected', owner: bob.identityId });
    const response = await harness().call(request);
    expect(response.statusCode).toBe(403);
    expect(parse(response).code).toBe('forbidden');
    expect(response.body).not.toContain('AccessDenied from AWS');
    expectContract(request, response);
  });

  test('a forged cursor that storage rejects is a 400 naming cursor', async () => {
    harness().aws.s3.on(ListObjectsV2Command).rejects(awsError('InvalidArgument', 400));
    const cursor = encodeCursor('forged', { level: 'private', owner: alice.identityId, prefix: '' });
    const request = list({ level: 'private', cursor });
    expectBadRequest(request, await harness().call(request), 'cursor');
  });

  const aliceCursor = () => encodeCursor('T', { level: 'private', owner: alice.identityId, prefix: '' });

  test.each([
    ['an unknown level', () => ({ level: 'root' }), 'level'],
    ['a missing level', () => ({}), 'level'],
    ['an owner for private', () => ({ level: 'private', owner: bob.identityId }), 'owner'],
    ['a malformed owner', () => ({ level: 'protected', owner: 'us-east-1:not-a-uuid' }), 'owner'],
    ['an owner wildcard', () => ({ level: 'protected', owner: '*' }), 'owner'],
    ['a ".." prefix', () => ({ level: 'private', prefix: '../' }), 'prefix'],
    ['an absolute prefix', () => ({ level: 'private', prefix: '/x/' }), 'prefix'],
    ['a limit of 0', () => ({ level: 'private', limit: '0' }), 'limit'],
    ['a limit over 1000', () => ({ level: 'private', limit: '1001' }), 'limit'],
    ['a non-numeric limit', () => ({ level: 'private', limit: '10abc' }), 'limit'],
    ['a negative limit', () => ({ level: 'private', limit: '-1' }), 'limit'],
    ['another delimiter', () => ({ level: 'private', delimiter: ',' }), 'delimiter'],
    ['a malformed cursor', () => ({ level: 'private', cursor: 'garbage!' }), 'cursor'],
    ['an empty cursor', () => ({ level: 'private', cursor: '' }), 'cursor'],
    [
      'a cursor for another prefix',
      () => ({ level: 'private', prefix: 'x/', cursor: aliceCursor() }),
      'cursor',
    ],
    ['a cursor for another level', () => ({ level: 'public', cursor: aliceCursor() }), 'cursor'],
    ['an unknown parameter', () => ({ level: 'private', recursive: 'true' }), 'recursive'],
  ])('refuses %s with 400 naming the field, listing nothing', async (_name, query, field) => {
    const request = list(query());
    expectBadRequest(request, await harness().call(request), field);
    expect(harness().aws.s3.calls()).toHaveLength(0);
  });

  test('refuses a parameter given twice', async () => {
    const twice = event(list({ level: 'private' }));
    twice.multiValueQueryStringParameters = { level: ['private', 'public'] };
    const response = await harness().app.call(twice);
    expect(response.statusCode).toBe(400);
    expect(parse(response).field).toBe('level');
    expect(harness().aws.s3.calls()).toHaveLength(0);
  });
});
