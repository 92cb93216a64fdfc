import {
  AdminGetUserCommand,
  CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { CopyObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  alice,
  bob,
  config,
  type EventInput,
  expectBadRequest,
  expectContract,
  parse,
  sealedConfig,
  useHarness,
} from '../../../support/fixtures';

const pool = mockClient(CognitoIdentityProviderClient);
beforeEach(() => {
  pool.on(AdminGetUserCommand).callsFake((input: { UserPoolId?: string; Username?: string }) => {
    const user = [alice, bob].find((candidate) => candidate.username === input.Username);
    if (user === undefined || input.UserPoolId !== sealedConfig.userPoolId) {
      throw Object.assign(new Error('User does not exist.'), { name: 'UserNotFoundException' });
    }
    return { Username: user.username, Enabled: true, UserAttributes: [{ Name: 'sub', Value: user.sub }] };
  });
});
afterEach(() => pool.reset());

const share = (body: unknown): EventInput => ({ method: 'POST', path: '/files/shares', body });

describe('POST /files/shares (sealed)', () => {
  const harness = useHarness({ config: sealedConfig });

  test('copies the caller’s own object to shared/{caller}/{grantee}/ for the user the pool names', async () => {
    harness()
      .aws.s3.on(HeadObjectCommand)
      .resolves({ ContentLength: 3, ContentType: 'text/plain', ETag: '"e"', LastModified: new Date(0) });
    harness()
      .aws.s3.on(CopyObjectCommand)
      .resolves({ CopyObjectResult: { ETag: '"e"' } });
    const request = share({ level: 'private', key: 'a.txt', with: bob.username });
    const response = await harness().call(request);
    expect(response.statusCode, response.body).toBe(201);
    expect(parse(response)).toEqual({
      level: 'shared',
      key: 'a.txt',
      grantee: bob.identityId,
      granteeUsername: bob.username,
    });
    expectContract(request, response);
    expect(pool.commandCalls(AdminGetUserCommand)[0]?.args[0].input).toEqual({
      UserPoolId: sealedConfig.userPoolId,
      Username: bob.username,
    });
    const copied = harness().aws.s3.commandCalls(CopyObjectCommand)[0]?.args[0].input;
    expect(copied?.Key).toBe(`shared/${alice.identityId}/${bob.identityId}/a.txt`);
    expect(decodeURIComponent(copied?.CopySource ?? '')).toBe(
      `${sealedConfig.bucketName}/private/${alice.identityId}/a.txt`,
    );
  });

  test('an unknown user is 404 no_such_user, and nothing is copied', async () => {
    const response = await harness().call(share({ level: 'private', key: 'a.txt', with: 'nobody' }));
    expect(response.statusCode).toBe(404);
    expect(parse(response).code).toBe('no_such_user');
    expect(harness().storageCalls()).toBe(0);
  });

  test('yourself is 400 naming `with`', async () => {
    const request = share({ level: 'private', key: 'a.txt', with: alice.username });
    expectBadRequest(request, await harness().call(request), 'with');
    expect(harness().storageCalls()).toBe(0);
  });

  test('a missing `with` is 400 naming it', async () => {
    const request = share({ level: 'private', key: 'a.txt' });
    expectBadRequest(request, await harness().call(request), 'with');
  });

  test.each(['two words', 'tab\tname', 'bidi\u202Ename'])(
    'a `with` the pool would refuse as malformed (%j) is 400 naming it, before the pool is asked',
    async (name) => {
      const request = share({ level: 'private', key: 'a.txt', with: name });
      expectBadRequest(request, await harness().call(request), 'with');
      expect(pool.commandCalls(AdminGetUserCommand)).toHaveLength(0);
    },
  );
});

describe('POST /files/shares (direct, no directory entry)', () => {
  const harness = useHarness({ config });

  test('a user who never signed in is 409 user_not_ready', async () => {
    const response = await harness().call(share({ level: 'private', key: 'a.txt', with: bob.username }));
    expect(response.statusCode).toBe(409);
    expect(parse(response).code).toBe('user_not_ready');
    expect(harness().storageCalls()).toBe(0);
  });
});
