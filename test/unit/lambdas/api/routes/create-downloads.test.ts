import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { AssumeRoleWithWebIdentityCommand } from '@aws-sdk/client-sts';
import { describe, expect, test } from 'vitest';
import {
  alice,
  awsError,
  bob,
  type EventInput,
  expectBadRequest,
  expectContract,
  parse,
  useHarness,
} from '../../../support/fixtures';

const harness = useHarness();
const batch = (items: unknown): EventInput => ({
  method: 'POST',
  path: '/files/downloads/batch',
  body: { items },
});

interface ItemResult {
  status: number;
  download?: { url: string; owner: string; key: string };
  problem?: { status: number; code: string; field?: string };
}
const results = (response: { body: string }) => (JSON.parse(response.body) as { items: ItemResult[] }).items;

describe('POST /files/downloads/batch', () => {
  test('100 downloads with one session and no storage call, each an attachment of its own key', async () => {
    const items = Array.from({ length: 100 }, (_, i) => ({ level: 'private', key: `docs/${i}.pdf` }));
    const request = batch(items);
    const response = await harness().call(request);
    expect(response.statusCode, response.body).toBe(200);
    expectContract(request, response);
    const answered = results(response);
    expect(answered).toHaveLength(100);
    answered.forEach((item, i) => {
      expect(item.status).toBe(201);
      const url = new URL(item.download?.url ?? '');
      expect(decodeURIComponent(url.pathname)).toBe(`/private/${alice.identityId}/docs/${i}.pdf`);
      expect(url.searchParams.get('response-content-disposition')).toBe('attachment');
    });
    expect(harness().aws.sts.commandCalls(AssumeRoleWithWebIdentityCommand)).toHaveLength(1);
    expect(harness().aws.s3.calls()).toHaveLength(0);
  });

  test('a bad item gets its own problem; the others are still signed, in order', async () => {
    harness().aws.s3.on(HeadObjectCommand).rejects(awsError('NotFound', 404));
    const request = batch([
      { level: 'private', key: 'ok.txt' },
      { level: 'private', key: '../escape' },
      { level: 'private', key: 'a', owner: bob.identityId },
      { level: 'protected', key: 'b', owner: bob.identityId, colour: 'red' },
      'not an object',
      { level: 'private', key: 'gone.png', inline: true },
      { level: 'protected', key: 'theirs.txt', owner: bob.identityId, filename: 'x.txt' },
      { level: 'private', key: 'long', expiresIn: 999_999 },
    ]);
    const response = await harness().call(request);
    expect(response.statusCode, response.body).toBe(200);
    expectContract(request, response);
    const answered = results(response);
    expect(answered.map((item) => item.status)).toEqual([201, 400, 400, 400, 400, 404, 201, 400]);
    expect(answered.map((item) => item.problem?.field)).toEqual([
      undefined,
      'key',
      'owner',
      'colour',
      'item',
      undefined,
      undefined,
      'expiresIn',
    ]);
    expect(answered[5]?.problem?.code).toBe('not_found');
    expect(answered[6]?.download?.owner).toBe(bob.identityId);
    expect(new URL(answered[6]?.download?.url ?? '').searchParams.get('response-content-disposition')).toBe(
      'attachment; filename="x.txt"; filename*=UTF-8\'\'x.txt',
    );
    // Nothing of a refused item is signed or echoed as a URL.
    expect(response.body.match(/X-Amz-Signature/g)).toHaveLength(2);
  });

  test('inline is granted per item only for passive types, as for one download', async () => {
    harness()
      .aws.s3.on(HeadObjectCommand, { Key: `private/${alice.identityId}/a.png` })
      .resolves({ ContentType: 'image/png', ContentLength: 1, ETag: '"e"', LastModified: new Date(0) })
      .on(HeadObjectCommand, { Key: `private/${alice.identityId}/a.html` })
      .resolves({ ContentType: 'text/html', ContentLength: 1, ETag: '"e"', LastModified: new Date(0) });
    const response = await harness().call(
      batch([
        { level: 'private', key: 'a.png', inline: true },
        { level: 'private', key: 'a.html', inline: true },
      ]),
    );
    const [png, html] = results(response).map((item) => new URL(item.download?.url ?? '').searchParams);
    expect(png?.get('response-content-disposition')).toBe('inline');
    expect(png?.get('response-content-type')).toBe('image/png');
    expect(html?.get('response-content-disposition')).toBe('attachment');
  });

  test('credentials storage rejects are refreshed once for the whole batch', async () => {
    harness()
      .aws.s3.on(HeadObjectCommand)
      .rejectsOnce(awsError('ExpiredToken', 400))
      .resolves({ ContentType: 'image/png', ContentLength: 1, ETag: '"e"', LastModified: new Date(0) });
    const response = await harness().call(batch([{ level: 'private', key: 'a.png', inline: true }]));
    expect(results(response)[0]?.status).toBe(201);
    expect(harness().aws.sts.commandCalls(AssumeRoleWithWebIdentityCommand)).toHaveLength(2);
  });

  test.each([
    ['no items', [], 'items'],
    ['101 items', Array.from({ length: 101 }, () => ({ level: 'private', key: 'a' })), 'items'],
    ['items not a list', { level: 'private', key: 'a' }, 'items'],
  ])('%s is refused as a whole, naming %s', async (_name, items, field) => {
    const request = batch(items);
    expectBadRequest(request, await harness().call(request), field);
    expect(harness().aws.cognito.calls()).toHaveLength(0);
  });

  test('a body over 256 KiB is refused naming body', async () => {
    const request = batch([{ level: 'private', key: 'a'.repeat(300 * 1024) }]);
    expectBadRequest(request, await harness().call(request), 'body');
    expect(parse(await harness().call(request)).detail).toContain('262144');
  });
});
