import { CognitoIdentityClient, GetIdCommand, GetOpenIdTokenCommand } from '@aws-sdk/client-cognito-identity';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { HttpResponse } from '@smithy/protocol-http';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { toAppError } from '../../../../lambdas/api/http/problem';
import {
  createCognitoIdentityClient,
  createIdentityService,
  createStsClient,
} from '../../../../lambdas/aws/identity';
import { ThrottledError, UpstreamError } from '../../../../shared/domain/errors';
import {
  alice,
  bob,
  type Clock,
  clock,
  config,
  credentialsFor,
  mockAws,
  parse,
  T0,
  testApp,
  testUser,
} from '../../support/fixtures';

const MIN = 60_000;
const noWait = { attempts: 3, baseDelayMs: 1, maxDelayMs: 2, sleep: async () => undefined };
const caller = (user = alice) => ({ sub: user.sub, username: user.username, idToken: user.token });

let testClock: Clock;
let aws: ReturnType<typeof mockAws>;
const users = Array.from({ length: 10 }, (_, n) => testUser(n + 1));

beforeEach(() => {
  testClock = clock();
  // One-hour sessions, so expiry shows within a simulated hour.
  aws = mockAws({ users, clock: testClock, lifetimeMs: 60 * MIN });
});

afterEach(() => {
  aws.cognito.restore();
  aws.sts.restore();
  aws.s3.restore();
});

function service(options: { maxIdentities?: number; maxCredentials?: number } = {}) {
  return createIdentityService({
    mode: 'direct',
    client: new CognitoIdentityClient({ region: 'us-east-1' }),
    sts: new STSClient({ region: 'us-east-1' }),
    roleArn: config.authenticatedRoleArn,
    sessionDurationSeconds: 3600,
    userPoolId: config.userPoolId,
    identityPoolId: config.identityPoolId,
    loginsKey: config.loginsKey,
    now: testClock.now,
    retry: noWait,
    ...options,
  });
}

const getIds = () => aws.cognito.commandCalls(GetIdCommand).length;
const openIdTokens = () => aws.cognito.commandCalls(GetOpenIdTokenCommand).length;
/** Credential sets fetched: one STS call each, after one GetOpenIdToken each. */
const getCredentials = () => {
  const assumed = aws.sts.commandCalls(AssumeRoleWithWebIdentityCommand).length;
  expect(openIdTokens()).toBe(assumed);
  return assumed;
};

describe('identity and credential caches', () => {
  test('1,000 requests from 10 users make at most 10 GetId and 10 GetOpenIdToken + AssumeRoleWithWebIdentity calls', async () => {
    const { call } = testApp({ now: testClock.now });
    const statuses = new Set<number>();
    for (let batch = 0; batch < 100; batch++) {
      // Ten at a time, concurrently, as a busy instance of the local stack would see them.
      const responses = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          call({
            method: 'POST',
            path: '/files/uploads',
            user: users[(batch * 7 + i * 3) % users.length],
            body: { level: 'private', key: `f${batch}-${i}`, contentType: 'text/plain', size: 1 },
          }),
        ),
      );
      for (const response of responses) statuses.add(response.statusCode);
      testClock.advance(1_000);
    }
    expect([...statuses]).toEqual([201]);
    expect(getIds()).toBe(10);
    expect(getCredentials()).toBe(10);
  });

  test('the warm path makes no Cognito or STS call at all', async () => {
    const identity = service();
    await identity.session(caller());
    const before = aws.cognito.calls().length + aws.sts.calls().length;
    for (let i = 0; i < 100; i++) {
      await identity.identityId(caller());
      await identity.session(caller(), { lifetimeSeconds: 900 });
    }
    expect(aws.cognito.calls().length + aws.sts.calls().length).toBe(before);
  });

  test('concurrent misses for one user share one GetId and one credential fetch', async () => {
    const identity = service();
    const sessions = await Promise.all(Array.from({ length: 25 }, () => identity.session(caller())));
    expect(new Set(sessions.map((session) => session.credentials)).size).toBe(1);
    expect(getIds()).toBe(1);
    expect(getCredentials()).toBe(1);
  });

  test('the identity ID is cached by user pool and sub, whatever the token', async () => {
    const identity = service();
    await identity.identityId(caller());
    expect(await identity.identityId({ ...caller(), idToken: 'a.fresh.token' })).toBe(alice.identityId);
    expect(getIds()).toBe(1);
  });

  test('credentials are refreshed a safety margin before they expire', async () => {
    const identity = service();
    const first = await identity.session(caller());
    testClock.set(T0 + 54 * MIN);
    expect((await identity.session(caller())).credentials).toBe(first.credentials);
    expect(getCredentials()).toBe(1);
    testClock.set(T0 + 55 * MIN);
    const second = await identity.session(caller());
    expect(second.credentials).not.toBe(first.credentials);
    expect(second.credentials.expiration.getTime()).toBe(T0 + 115 * MIN);
    expect(getCredentials()).toBe(2);
    expect(getIds()).toBe(1);
  });

  test('a failed fetch is not cached: the next request tries again', async () => {
    const identity = service();
    aws.sts
      .on(AssumeRoleWithWebIdentityCommand)
      .rejects(Object.assign(new Error('slow down'), { name: 'TooManyRequestsException' }));
    await expect(identity.session(caller())).rejects.toMatchObject({ name: 'TooManyRequestsException' });
    expect(aws.sts.commandCalls(AssumeRoleWithWebIdentityCommand)).toHaveLength(3);
    aws.sts.on(AssumeRoleWithWebIdentityCommand).resolves({
      Credentials: credentialsFor(alice, new Date(T0 + 60 * MIN)),
      SubjectFromWebIdentityToken: alice.identityId,
    });
    await expect(identity.session(caller())).resolves.toMatchObject({ identityId: alice.identityId });
  });

  test('an identity the pool no longer knows is resolved afresh on the next request', async () => {
    const identity = service();
    await identity.identityId(caller());
    aws.cognito
      .on(GetOpenIdTokenCommand)
      .rejectsOnce(Object.assign(new Error('Identity not found'), { name: 'ResourceNotFoundException' }));
    await expect(identity.session(caller())).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(getIds()).toBe(1);
    aws.cognito
      .on(GetOpenIdTokenCommand)
      .resolves({ IdentityId: alice.identityId, Token: `OPENID-TOKEN-${alice.identityId}` });
    await identity.session(caller());
    expect(getIds()).toBe(2);
  });

  test('stays within its bounds', async () => {
    const identity = service({ maxIdentities: 3, maxCredentials: 3 });
    for (const user of users) await identity.session(caller(user));
    expect(getIds()).toBe(10);
    // The first user was evicted from both caches: serving them again costs new calls.
    await identity.session(caller(users[0]));
    expect(getIds()).toBe(11);
    expect(getCredentials()).toBe(11);
    // The most recent one was kept.
    await identity.session(caller(users[9]));
    expect(getIds()).toBe(11);
  });

  test('refuses an identity ID that is not one (it becomes part of S3 keys)', async () => {
    aws.cognito.on(GetIdCommand).resolves({ IdentityId: 'us-east-1:../../other' });
    await expect(service().identityId(caller())).rejects.toBeInstanceOf(UpstreamError);
  });

  test('refuses incomplete credentials', async () => {
    aws.sts.on(AssumeRoleWithWebIdentityCommand).resolves({
      Credentials: {} as never,
      SubjectFromWebIdentityToken: alice.identityId,
    });
    await expect(service().session(caller())).rejects.toBeInstanceOf(UpstreamError);
  });

  test("refuses credentials STS issued for another identity's token", async () => {
    aws.sts.on(AssumeRoleWithWebIdentityCommand).resolves({
      Credentials: credentialsFor(bob, new Date(T0 + 60 * MIN)),
      SubjectFromWebIdentityToken: bob.identityId,
    });
    await expect(service().session(caller())).rejects.toBeInstanceOf(UpstreamError);
  });
});

describe('URL lifetimes against credential expiry', () => {
  const download = (expiresIn: number) => ({
    method: 'POST',
    path: '/files/downloads',
    body: { level: 'private', key: 'a.txt', expiresIn },
  });

  test('credentials that would cut a URL short are refreshed first, once', async () => {
    const { call } = testApp({ now: testClock.now });
    await call(download(60));
    testClock.set(T0 + 40 * MIN);
    const first = parse(await call(download(3600)));
    // The first credentials end at T0+60min; fresh ones (T0+100min) let the URL live its full hour.
    expect(first.expiresAt).toBe(new Date(T0 + 100 * MIN).toISOString());
    expect(getCredentials()).toBe(2);
    testClock.advance(10_000);
    const second = parse(await call(download(3600)));
    // Just-refreshed credentials cannot do better: no refresh loop, and the URL honestly ends with them.
    expect(getCredentials()).toBe(2);
    expect(second.expiresAt).toBe(new Date(T0 + 100 * MIN).toISOString());
    const url = new URL(second.url as string);
    expect(url.searchParams.get('X-Amz-Expires')).toBe(String(3600 - 10));
  });

  test('expiresAt is never later than the signing credentials', async () => {
    aws.cognito.restore();
    aws.sts.restore();
    aws = mockAws({ users, clock: testClock, lifetimeMs: 15 * MIN });
    const { call } = testApp({ now: testClock.now });
    const body = parse(await call(download(3600)));
    expect(body.expiresAt).toBe(new Date(T0 + 15 * MIN).toISOString());
    expect(new URL(body.url as string).searchParams.get('X-Amz-Expires')).toBe('900');
    expect(getCredentials()).toBe(1);
  });
});

describe('the Cognito client', () => {
  test('is configured for one attempt per call, our retries being the only ones', async () => {
    const client = createCognitoIdentityClient('us-east-1');
    expect(await client.config.maxAttempts()).toBe(1);
  });

  test('throttling on the wire is retried 3 times in all, then becomes a 503 with Retry-After', async () => {
    aws.cognito.restore();
    aws.sts.restore();
    const requests: string[] = [];
    const client = createCognitoIdentityClient('us-east-1', {
      requestHandler: {
        handle: async (request: { headers: Record<string, string> }) => {
          requests.push(request.headers['x-amz-target'] ?? '');
          return {
            response: new HttpResponse({
              statusCode: 400,
              headers: { 'content-type': 'application/x-amz-json-1.1' },
              body: Buffer.from(
                JSON.stringify({ __type: 'TooManyRequestsException', message: 'Rate exceeded' }),
              ),
            }),
          };
        },
      } as never,
    });
    const identity = createIdentityService({
      mode: 'direct',
      client,
      sts: createStsClient('us-east-1'),
      roleArn: config.authenticatedRoleArn,
      sessionDurationSeconds: 3600,
      userPoolId: config.userPoolId,
      identityPoolId: config.identityPoolId,
      loginsKey: config.loginsKey,
      retry: noWait,
    });
    const failure = await identity.identityId(caller()).catch((error: unknown) => error);
    expect(requests).toEqual(Array(3).fill('AWSCognitoIdentityService.GetId'));
    const mapped = toAppError(failure);
    expect(mapped).toBeInstanceOf(ThrottledError);
    expect(mapped).toMatchObject({ status: 503, retryAfterSeconds: 1 });
  });
});
