import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, test } from 'vitest';
import {
  alice,
  awsError,
  bob,
  expectBadRequest,
  expectContract,
  useHarness,
} from '../../../support/fixtures';

const harness = useHarness();

const remove = (query: Record<string, string>) => ({ method: 'DELETE', path: '/files', query });

describe('DELETE /files', () => {
  test('deletes the caller object with the caller credentials and answers 204', async () => {
    harness().aws.s3.on(DeleteObjectCommand).resolves({});
    const request = remove({ level: 'public', key: 'a/b.txt' });
    const response = await harness().call(request);
    expect(response.statusCode, response.body).toBe(204);
    expect(response.body).toBe('');
    expectContract(request, response);
    const calls = harness().aws.s3.commandCalls(DeleteObjectCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      Bucket: 'user-files-test',
      Key: `public/${alice.identityId}/a/b.txt`,
    });
  });

  test('is idempotent: S3 answers 204 for a missing key too', async () => {
    harness().aws.s3.on(DeleteObjectCommand).resolves({});
    const request = remove({ level: 'private', key: 'gone.txt' });
    expect((await harness().call(request)).statusCode).toBe(204);
    expect((await harness().call(request)).statusCode).toBe(204);
  });

  test('answers 403 when storage refuses', async () => {
    harness().aws.s3.on(DeleteObjectCommand).rejects(awsError('AccessDenied', 403));
    const request = remove({ level: 'private', key: 'a.txt' });
    const response = await harness().call(request);
    expect(response.statusCode).toBe(403);
    expectContract(request, response);
  });

  test.each([
    [
      'an owner (only the caller folder can be deleted from)',
      { level: 'public', key: 'a', owner: bob.identityId },
      'owner',
    ],
    ['a ".." key', { level: 'private', key: '../../x' }, 'key'],
    ['a missing key', { level: 'private' }, 'key'],
    ['an empty key', { level: 'private', key: '' }, 'key'],
    ['an unknown level', { level: 'all', key: 'a' }, 'level'],
  ])('refuses %s with 400 naming the field, deleting nothing', async (_name, query, field) => {
    const request = remove(query);
    expectBadRequest(request, await harness().call(request), field);
    expect(harness().aws.s3.calls()).toHaveLength(0);
  });
});
