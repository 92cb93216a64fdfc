/**
 * `GET /files/shares` over a mocked bucket: it lists only under the caller's own `shared/{me}/`,
 * splits each key into grantee and path, and passes on only what keeps the rules (the rest is
 * counted in `omitted`); bad input is refused by name before storage is called.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, test } from 'vitest';
import {
  alice,
  bob,
  type EventInput,
  expectBadRequest,
  expectContract,
  parse,
  useHarness,
} from '../../../support/fixtures';

const harness = useHarness();
const request: EventInput = { method: 'GET', path: '/files/shares' };

describe('GET /files/shares', () => {
  test("lists the caller's shares folder and passes on only well-formed shares", async () => {
    const root = `shared/${alice.identityId}/`;
    harness()
      .aws.s3.on(ListObjectsV2Command)
      .resolves({
        Contents: [
          `${root}${bob.identityId}/report.pdf`,
          `${root}not-an-identity/x.txt`,
          `${root}${alice.identityId}/self.txt`,
          `${root}${bob.identityId}/../escape.txt`,
          `${root}${bob.identityId}/a/${alice.identityId}/b.txt`,
        ].map((Key) => ({ Key, Size: 4, ETag: '"e"', LastModified: new Date(0) })),
      });
    const response = await harness().call(request);
    expect(response.statusCode, response.body).toBe(200);
    expectContract(request, response);
    expect(parse(response)).toEqual({
      items: [
        { grantee: bob.identityId, key: 'report.pdf', size: 4, lastModified: new Date(0).toISOString() },
      ],
      omitted: 4,
    });
    const calls = harness().aws.s3.commandCalls(ListObjectsV2Command);
    expect(calls.map((call) => call.args[0].input.Prefix)).toContain(root);
    expect(
      calls.every(
        (call) =>
          call.args[0].input.Prefix?.startsWith(`private/${alice.identityId}/`) ||
          call.args[0].input.Prefix === root,
      ),
    ).toBe(true);
  });

  test.each([
    ['limit', { limit: '0' }],
    ['cursor', { cursor: 'forged' }],
    ['grantee', { grantee: bob.identityId }],
  ])('refuses a bad %s by name, listing nothing', async (field, query) => {
    const bad: EventInput = { ...request, query };
    expectBadRequest(bad, await harness().call(bad), field);
    expect(harness().storageCalls()).toBe(0);
  });
});
