import { DeleteObjectsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, test, vi } from 'vitest';
import { createDeleteMyDataRoute } from '../../../../../lambdas/api/routes/delete-my-data';
import {
  alice,
  awsError,
  type EventInput,
  event,
  expectBadRequest,
  expectContract,
  parse,
  useHarness,
} from '../../../support/fixtures';

const harness = useHarness();
const request: EventInput = { method: 'DELETE', path: '/me/data' };

/** A bucket in memory behind the S3 mock: listings and deletes see the same objects. */
function bucketWith(keys: string[]) {
  const objects = new Set(keys);
  harness()
    .aws.s3.on(ListObjectsV2Command)
    .callsFake((input: { Prefix?: string; MaxKeys?: number }) => {
      const under = [...objects].filter((key) => key.startsWith(input.Prefix ?? '')).sort();
      const page = under.slice(0, input.MaxKeys ?? 1000);
      return {
        Contents: page.map((Key) => ({ Key, Size: 1, ETag: '"e"', LastModified: new Date(0) })),
        IsTruncated: under.length > page.length,
        ...(under.length > page.length ? { NextContinuationToken: 'next' } : {}),
      };
    })
    .on(DeleteObjectsCommand)
    .callsFake((input: { Delete?: { Objects?: { Key?: string }[] } }) => {
      for (const object of input.Delete?.Objects ?? []) objects.delete(object.Key ?? '');
      return {};
    });
  return objects;
}

const own = (level: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${level}/${alice.identityId}/f${String(i).padStart(5, '0')}`);

describe('DELETE /me/data', () => {
  test('deletes every level and the outgoing shares in batches of 1,000, over calls that answer 202 then 204', async () => {
    const objects = bucketWith([
      ...own('private', 1500),
      ...own('protected', 3),
      ...own('public', 700),
      `shared/${alice.identityId}/us-east-1:00000000-0000-4000-8000-000000000002/doc.txt`,
      // Someone else's objects: never listed under the caller's prefixes, never deleted.
      'private/us-east-1:00000000-0000-4000-8000-000000000002/theirs.txt',
      `shared/us-east-1:00000000-0000-4000-8000-000000000002/${alice.identityId}/to-alice.txt`,
    ]);
    const first = await harness().call(request);
    expect(first.statusCode, first.body).toBe(202);
    expectContract(request, first);
    // Two batches a call: private's 1,500 first, then protected's 3 and public's 700, then the share.
    expect(parse(first)).toEqual({ deleted: 1500, more: true });
    const second = await harness().call(request);
    expect(parse(second)).toEqual({ deleted: 703, more: true });
    const third = await harness().call(request);
    expect(third.statusCode, third.body).toBe(204);
    expect([...objects].sort()).toEqual([
      'private/us-east-1:00000000-0000-4000-8000-000000000002/theirs.txt',
      `shared/us-east-1:00000000-0000-4000-8000-000000000002/${alice.identityId}/to-alice.txt`,
    ]);
    const deletes = harness().aws.s3.commandCalls(DeleteObjectsCommand);
    expect(deletes.map((call) => call.args[0].input.Delete?.Objects?.length)).toEqual([1000, 500, 3, 700, 1]);
    const prefixes = new Set(
      harness()
        .aws.s3.commandCalls(ListObjectsV2Command)
        .map((call) => call.args[0].input.Prefix),
    );
    expect(prefixes).toEqual(
      new Set(
        ['private/', 'protected/', 'public/', 'shared/'].map((level) => `${level}${alice.identityId}/`),
      ),
    );
  });

  test('nothing to delete: 204 at once, and only then is the caller forgotten by the identity directory', async () => {
    bucketWith([]);
    const forget = vi.spyOn(harness().app.deps.identity, 'forget');
    const route = createDeleteMyDataRoute(harness().app.deps);
    const response = await route(event(request));
    expect(response.statusCode).toBe(204);
    expect(forget).toHaveBeenCalledWith(expect.objectContaining({ sub: alice.sub }));
    expect(harness().aws.s3.commandCalls(DeleteObjectsCommand)).toHaveLength(0);
  });

  test('the time budget stops a call between batches', async () => {
    bucketWith(own('private', 3000));
    let t = 0;
    const forget = vi.spyOn(harness().app.deps.identity, 'forget');
    const route = createDeleteMyDataRoute(harness().app.deps, {
      maxBatchesPerCall: 100,
      timeBudgetMs: 10,
      now: () => (t += 6),
    });
    const response = await route(event(request));
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body)).toEqual({ deleted: 1000, more: true });
    expect(forget).not.toHaveBeenCalled();
  });

  test('a listed key outside the listed prefix is never deleted', async () => {
    harness()
      .aws.s3.on(ListObjectsV2Command)
      .resolves({ Contents: [{ Key: 'private/us-east-1:00000000-0000-4000-8000-000000000002/x', Size: 1 }] });
    const response = await harness().call(request);
    expect(response.statusCode).toBe(204);
    expect(harness().aws.s3.commandCalls(DeleteObjectsCommand)).toHaveLength(0);
  });

  test('a key storage refuses to delete fails the call as 403, not as done', async () => {
    bucketWith(own('private', 2));
    harness()
      .aws.s3.on(DeleteObjectsCommand)
      .resolves({ Errors: [{ Key: 'k', Code: 'AccessDenied' }] });
    const response = await harness().call(request);
    expect(response.statusCode).toBe(403);
    expectContract(request, response);
  });

  test('query parameters are refused by name', async () => {
    const withQuery: EventInput = { ...request, query: { level: 'private' } };
    expectBadRequest(withQuery, await harness().call(withQuery), 'level');
  });

  test('storage failing answers 502, never 500', async () => {
    harness().aws.s3.on(ListObjectsV2Command).rejects(awsError('InternalError', 500));
    const response = await harness().call(request);
    expect(response.statusCode).toBe(502);
  });
});
