import { CopyObjectCommand, DeleteObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, test, vi } from 'vitest';
import { loadConfig } from '../../../../../lambdas/api/config';
import { createCopyRoute } from '../../../../../lambdas/api/routes/create-copy';
import {
  alice,
  awsError,
  bob,
  ENV,
  type EventInput,
  event,
  expectBadRequest,
  expectContract,
  parse,
  testUser,
  useHarness,
} from '../../../support/fixtures';

const harness = useHarness({
  config: loadConfig({
    ...ENV,
    UPLOAD_RULES: JSON.stringify({ public: { allowedContentTypes: ['image/*'], maxUploadBytes: 1000 } }),
  }),
});
const carol = testUser(3);
const BUCKET = ENV.BUCKET_NAME;
const LAST_MODIFIED = new Date('2026-01-01T00:00:00Z');

const copy = (body: unknown): EventInput => ({ method: 'POST', path: '/files/copies', body });

function sourceIs(contentType: string, size: number, etag = '"src-etag"') {
  harness().aws.s3.on(HeadObjectCommand).resolves({
    ContentLength: size,
    ContentType: contentType,
    ETag: etag,
    LastModified: LAST_MODIFIED,
  });
}

describe('POST /files/copies', () => {
  test('copies an own object across levels with the caller’s session, pinned to the checked ETag', async () => {
    sourceIs('image/png', 10);
    harness()
      .aws.s3.on(CopyObjectCommand)
      .resolves({ CopyObjectResult: { ETag: '"new-etag"', LastModified: LAST_MODIFIED } });
    const request = copy({ from: { level: 'private', key: 'a.png' }, to: { level: 'public', key: 'b.png' } });
    const response = await harness().call(request);
    expect(response.statusCode, response.body).toBe(201);
    expectContract(request, response);
    expect(parse(response)).toEqual({
      level: 'public',
      owner: alice.identityId,
      key: 'b.png',
      size: 10,
      contentType: 'image/png',
      etag: '"new-etag"',
      lastModified: LAST_MODIFIED.toISOString(),
    });
    const [call] = harness().aws.s3.commandCalls(CopyObjectCommand);
    expect(call?.args[0].input).toEqual({
      Bucket: BUCKET,
      Key: `public/${alice.identityId}/b.png`,
      CopySource: `${BUCKET}/private/${encodeURIComponent(alice.identityId)}/a.png`,
      CopySourceIfMatch: '"src-etag"',
      // Never the source's tags: the copy is scanned as a new object.
      TaggingDirective: 'REPLACE',
    });
    expect(harness().aws.s3.commandCalls(DeleteObjectCommand)).toHaveLength(0);
    const credentials = await harness()
      .aws.s3.commandCalls(CopyObjectCommand)[0]
      ?.thisValue.config.credentials();
    expect(credentials?.accessKeyId).toBe('ASIAUSER1KEY');
  });

  test('copies another owner’s protected object, and what an owner shares with the caller', async () => {
    sourceIs('text/plain', 3);
    harness()
      .aws.s3.on(CopyObjectCommand)
      .resolves({ CopyObjectResult: { ETag: '"e"' } });
    for (const from of [
      { level: 'protected', key: 'x.txt', owner: bob.identityId },
      { level: 'shared', key: 'x.txt', owner: bob.identityId },
    ]) {
      const response = await harness().call(copy({ from, to: { level: 'private', key: 'mine.txt' } }));
      expect(response.statusCode, response.body).toBe(201);
    }
    expect(
      harness()
        .aws.s3.commandCalls(CopyObjectCommand)
        .map((call) => call.args[0].input.CopySource),
    ).toEqual([
      `${BUCKET}/protected/${encodeURIComponent(bob.identityId)}/x.txt`,
      `${BUCKET}/shared/${encodeURIComponent(bob.identityId)}/${encodeURIComponent(alice.identityId)}/x.txt`,
    ]);
  });

  test('overwrite: false sends If-None-Match: * and answers 409 when storage answers 412', async () => {
    sourceIs('text/plain', 3);
    harness().aws.s3.on(CopyObjectCommand).rejects(awsError('PreconditionFailed', 412));
    const request = copy({
      from: { level: 'private', key: 'a.txt' },
      to: { level: 'protected', key: 'a.txt' },
      overwrite: false,
      move: true,
    });
    const response = await harness().call(request);
    expect(response.statusCode, response.body).toBe(409);
    expectContract(request, response);
    expect(harness().aws.s3.commandCalls(CopyObjectCommand)[0]?.args[0].input.IfNoneMatch).toBe('*');
    // The copy failed: the source of a move stays.
    expect(harness().aws.s3.commandCalls(DeleteObjectCommand)).toHaveLength(0);
  });

  test('move deletes the own source only after the copy', async () => {
    sourceIs('text/plain', 3);
    const order: string[] = [];
    harness()
      .aws.s3.on(CopyObjectCommand)
      .callsFake(() => {
        order.push('copy');
        return { CopyObjectResult: { ETag: '"e"' } };
      })
      .on(DeleteObjectCommand)
      .callsFake(() => {
        order.push('delete');
        return {};
      });
    const response = await harness().call(
      copy({
        from: { level: 'private', key: 'a.txt' },
        to: { level: 'protected', key: 'b.txt' },
        move: true,
      }),
    );
    expect(response.statusCode, response.body).toBe(201);
    expect(order).toEqual(['copy', 'delete']);
    expect(harness().aws.s3.commandCalls(DeleteObjectCommand)[0]?.args[0].input.Key).toBe(
      `private/${alice.identityId}/a.txt`,
    );
  });

  test.each([
    ['a type the target level refuses', 'text/html', 10, 400, 'from.contentType'],
    ['a size over the target level’s limit', 'image/png', 1001, 413, 'from.size'],
  ])('%s is refused before copying', async (_name, type, size, status, field) => {
    sourceIs(type, size);
    const request = copy({ from: { level: 'private', key: 'a' }, to: { level: 'public', key: 'a' } });
    const response = await harness().call(request);
    expect(response.statusCode, response.body).toBe(status);
    expect(parse(response).field).toBe(field);
    expectContract(request, response);
    expect(harness().aws.s3.commandCalls(CopyObjectCommand)).toHaveLength(0);
  });

  test.each([
    [
      'another owner’s private object',
      { from: { level: 'private', key: 'a', owner: bob.identityId } },
      'from.owner',
    ],
    [
      'a move of another owner’s object',
      { from: { level: 'protected', key: 'a', owner: bob.identityId }, move: true },
      'move',
    ],
    [
      'a move of what is shared with the caller',
      { from: { level: 'shared', key: 'a', owner: bob.identityId }, move: true },
      'move',
    ],
    [
      'an identity-shaped segment in shared',
      { from: { level: 'shared', key: `${carol.identityId}/a`, grantee: bob.identityId } },
      'from.key',
    ],
    ['a target in shared', { to: { level: 'shared', key: 'a' } }, 'to.level'],
    ['a target owner', { to: { level: 'private', key: 'a', owner: bob.identityId } }, 'to.owner'],
    ['a ".." target key', { to: { level: 'private', key: '../a' } }, 'to.key'],
    ['the source itself as target', { to: { level: 'private', key: 'src' } }, 'to.key'],
    ['no from', { from: undefined }, 'from'],
    ['overwrite not a boolean', { overwrite: 'no' }, 'overwrite'],
  ])('%s is refused naming %s, with no storage call', async (_name, change, field) => {
    const request = copy({
      from: { level: 'private', key: 'src' },
      to: { level: 'protected', key: 'dst' },
      ...change,
    });
    expectBadRequest(request, await harness().call(request), field);
    expect(harness().aws.s3.calls()).toHaveLength(0);
  });

  test('a missing source answers 404', async () => {
    harness().aws.s3.on(HeadObjectCommand).rejects(awsError('NotFound', 404));
    const request = copy({ from: { level: 'private', key: 'gone' }, to: { level: 'private', key: 'b' } });
    const response = await harness().call(request);
    expect(response.statusCode, response.body).toBe(404);
    expect(harness().aws.s3.commandCalls(CopyObjectCommand)).toHaveLength(0);
  });

  test('the quota reservation runs before the copy, for the target key and the bytes it adds', async () => {
    sourceIs('text/plain', 42);
    harness()
      .aws.s3.on(CopyObjectCommand)
      .resolves({ CopyObjectResult: { ETag: '"e"' } });
    const reserveUpload = vi.fn(async () => {
      throw new Error('over quota');
    });
    const standing = vi.fn();
    const route = createCopyRoute({ ...harness().app.deps, quotas: { reserveUpload, standing } });
    await expect(
      route(event(copy({ from: { level: 'private', key: 'a' }, to: { level: 'protected', key: 'a' } }))),
    ).rejects.toThrow('over quota');
    expect(reserveUpload).toHaveBeenCalledWith(
      alice.identityId,
      `protected/${alice.identityId}/a`,
      42,
      expect.any(Number),
    );
    expect(harness().aws.s3.commandCalls(CopyObjectCommand)).toHaveLength(0);
  });
});

test('an unknown field inside from or to is named with its path', async () => {
  const request = copy({
    from: { level: 'private', key: 'a', colour: 'red' },
    to: { level: 'private', key: 'b' },
  });
  expectBadRequest(request, await harness().call(request), 'from.colour');
});
