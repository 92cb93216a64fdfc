/**
 * The `shared` level through the existing routes: the owner addresses a share by `grantee`, the
 * grantee by `owner`; keys and prefixes with identity-shaped segments are refused before anything is
 * signed or called; uploads into `shared` are refused (sharing creates the copies).
 */
import { DeleteObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, test } from 'vitest';
import {
  alice,
  bob,
  type EventInput,
  expectBadRequest,
  expectContract,
  parse,
  testUser,
  useHarness,
} from '../../../support/fixtures';

const harness = useHarness();
const carol = testUser(3);

describe('the shared level through the routes', () => {
  test('the owner signs a download of its share with a grantee', async () => {
    const request: EventInput = {
      method: 'POST',
      path: '/files/downloads',
      body: { level: 'shared', key: 'docs/a.txt', grantee: bob.identityId },
    };
    const response = await harness().call(request);
    expect(response.statusCode, response.body).toBe(201);
    expectContract(request, response);
    const body = parse(response);
    expect(body).toMatchObject({ level: 'shared', owner: alice.identityId, grantee: bob.identityId });
    expect(decodeURIComponent(new URL(body.url as string).pathname)).toBe(
      `/shared/${alice.identityId}/${bob.identityId}/docs/a.txt`,
    );
  });

  test('the grantee signs a download of what an owner shares with it', async () => {
    const response = await harness().call({
      method: 'POST',
      path: '/files/downloads',
      body: { level: 'shared', key: 'docs/a.txt', owner: bob.identityId },
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(decodeURIComponent(new URL(parse(response).url as string).pathname)).toBe(
      `/shared/${bob.identityId}/${alice.identityId}/docs/a.txt`,
    );
  });

  test.each([
    [
      'a key with a third identity as a segment',
      { key: `docs/${carol.identityId}/a.txt`, grantee: bob.identityId },
      'key',
    ],
    ['neither owner nor grantee', { key: 'a.txt' }, 'grantee'],
    ['both owner and grantee', { key: 'a.txt', owner: bob.identityId, grantee: carol.identityId }, 'owner'],
    ['a grantee that is not an identity', { key: 'a.txt', grantee: 'bob' }, 'grantee'],
  ])('a download with %s is refused naming %s, nothing signed or called', async (_name, fields, field) => {
    const request: EventInput = {
      method: 'POST',
      path: '/files/downloads',
      body: { level: 'shared', ...fields },
    };
    const response = await harness().call(request);
    expectBadRequest(request, response, field);
    expect(harness().storageCalls()).toBe(0);
  });

  test('a grantee in another level is refused naming grantee', async () => {
    const request: EventInput = {
      method: 'POST',
      path: '/files/downloads',
      body: { level: 'protected', key: 'a.txt', grantee: bob.identityId },
    };
    expectBadRequest(request, await harness().call(request), 'grantee');
  });

  test('uploads into shared are refused naming level', async () => {
    const request: EventInput = {
      method: 'POST',
      path: '/files/uploads',
      body: { level: 'shared', key: 'a.txt', contentType: 'text/plain', size: 1 },
    };
    expectBadRequest(request, await harness().call(request), 'level');
  });

  test('the grantee lists one owner’s shares with it, under shared/{owner}/{me}/', async () => {
    harness()
      .aws.s3.on(ListObjectsV2Command)
      .resolves({
        Contents: [
          {
            Key: `shared/${bob.identityId}/${alice.identityId}/a.txt`,
            Size: 1,
            ETag: '"e"',
            LastModified: new Date(0),
          },
          // Written around the API: an identity-shaped segment is never listed as a key.
          {
            Key: `shared/${bob.identityId}/${alice.identityId}/${carol.identityId}/b.txt`,
            Size: 1,
            ETag: '"e"',
            LastModified: new Date(0),
          },
        ],
      });
    const request: EventInput = {
      method: 'GET',
      path: '/files',
      query: { level: 'shared', owner: bob.identityId },
    };
    const response = await harness().call(request);
    expect(response.statusCode, response.body).toBe(200);
    expectContract(request, response);
    expect(parse(response)).toMatchObject({
      level: 'shared',
      owner: bob.identityId,
      grantee: alice.identityId,
      items: [{ key: 'a.txt' }],
      omitted: 1,
    });
    const [call] = harness().aws.s3.commandCalls(ListObjectsV2Command);
    expect(call?.args[0].input.Prefix).toBe(`shared/${bob.identityId}/${alice.identityId}/`);
  });

  test('deleting in shared needs a grantee: only the caller’s own shares', async () => {
    const refused: EventInput = {
      method: 'DELETE',
      path: '/files',
      query: { level: 'shared', key: 'a.txt' },
    };
    expectBadRequest(refused, await harness().call(refused), 'grantee');
    const owner: EventInput = {
      method: 'DELETE',
      path: '/files',
      query: { level: 'shared', key: 'a.txt', owner: bob.identityId },
    };
    expectBadRequest(owner, await harness().call(owner), 'owner');
    expect(harness().aws.s3.calls()).toHaveLength(0);

    harness().aws.s3.on(DeleteObjectCommand).resolves({});
    const response = await harness().call({
      method: 'DELETE',
      path: '/files',
      query: { level: 'shared', key: 'a.txt', grantee: bob.identityId },
    });
    expect(response.statusCode, response.body).toBe(204);
    expect(harness().aws.s3.commandCalls(DeleteObjectCommand)[0]?.args[0].input.Key).toBe(
      `shared/${alice.identityId}/${bob.identityId}/a.txt`,
    );
  });
});
