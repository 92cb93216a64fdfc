import {
  CognitoIdentityClient,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  GetOpenIdTokenCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
} from '@aws-sdk/client-cognito-identity';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { AssumeRoleWithWebIdentityCommand } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { toAppError } from '../../../../lambdas/api/http/problem';
import { createIdentityService, developerIdentifier } from '../../../../lambdas/aws/identity';
import { ThrottledError, UnauthorizedError, UpstreamError } from '../../../../shared/domain/errors';
import {
  alice,
  bob,
  type Clock,
  clock,
  config,
  mockAws,
  openIdTokenFor,
  parse,
  sealedConfig,
  T0,
  testApp,
} from '../../support/fixtures';

const HOUR = 3_600_000;
let testClock: Clock;
let aws: ReturnType<typeof mockAws>;

beforeEach(() => {
  testClock = clock();
  aws = mockAws({ clock: testClock });
});

afterEach(() => {
  aws.cognito.restore();
  aws.sts.restore();
  aws.s3.restore();
});

const upload = (user = alice) => ({
  method: 'POST',
  path: '/files/uploads',
  user,
  body: { level: 'private', key: 'a.txt', contentType: 'text/plain', size: 1 },
});
const download = (expiresIn: number, user = alice) => ({
  method: 'POST',
  path: '/files/downloads',
  user,
  body: { level: 'private', key: 'a.txt', expiresIn },
});

describe('developerIdentifier', () => {
  test('is {userPoolId}:{sub}, from the verified sub alone', () => {
    expect(developerIdentifier('us-east-1_Pool', { sub: alice.sub })).toBe(`us-east-1_Pool:${alice.sub}`);
    // Only `sub` is read: whatever else a caller object carries cannot change the login.
    const caller = { sub: alice.sub, username: bob.username, idToken: bob.token };
    expect(developerIdentifier('us-east-1_Pool', caller)).toBe(`us-east-1_Pool:${alice.sub}`);
    expect(developerIdentifier('us-east-1_Pool', { sub: bob.sub })).not.toBe(
      developerIdentifier('us-east-1_Pool', { sub: alice.sub }),
    );
  });

  test.each(['', 'a:b', 'a/b', `${alice.sub}\n`, 'x'.repeat(129)])(
    'refuses a sub that is not a Cognito sub (%j)',
    (sub) => {
      expect(() => developerIdentifier('us-east-1_Pool', { sub })).toThrow(UnauthorizedError);
    },
  );
});

describe('sealed mode', () => {
  const sealedApp = () => testApp({ now: testClock.now, config: sealedConfig });

  test("one developer-login token and one STS session per user, for the verified sub's login only", async () => {
    const { call } = sealedApp();
    expect((await call(upload(alice))).statusCode).toBe(201);
    expect((await call(upload(bob))).statusCode).toBe(201);

    const asked = aws.cognito
      .commandCalls(GetOpenIdTokenForDeveloperIdentityCommand)
      .map((c) => c.args[0].input);
    expect(asked).toEqual([
      {
        IdentityPoolId: sealedConfig.identityPoolId,
        Logins: { 'user-files.Test': `${sealedConfig.userPoolId}:${alice.sub}` },
      },
      {
        IdentityPoolId: sealedConfig.identityPoolId,
        Logins: { 'user-files.Test': `${sealedConfig.userPoolId}:${bob.sub}` },
      },
    ]);
    // Never the user's token, never GetId, never GetCredentialsForIdentity.
    expect(aws.cognito.commandCalls(GetIdCommand)).toHaveLength(0);
    expect(aws.cognito.commandCalls(GetOpenIdTokenCommand)).toHaveLength(0);
    expect(aws.cognito.commandCalls(GetCredentialsForIdentityCommand)).toHaveLength(0);
    const assumed = aws.sts.commandCalls(AssumeRoleWithWebIdentityCommand).map((c) => c.args[0].input);
    expect(assumed).toEqual([
      expect.objectContaining({
        RoleArn: sealedConfig.authenticatedRoleArn,
        WebIdentityToken: openIdTokenFor(alice),
        DurationSeconds: 43_200,
        RoleSessionName: `user-files-${alice.identityId.split(':')[1]}`,
      }),
      expect.objectContaining({ WebIdentityToken: openIdTokenFor(bob) }),
    ]);
  });

  test('the warm path makes no upstream call, and GET /me answers the minted identity', async () => {
    const { call } = sealedApp();
    await call(upload());
    const before = aws.cognito.calls().length + aws.sts.calls().length;
    for (let i = 0; i < 50; i++) {
      expect((await call(upload())).statusCode).toBe(201);
      const me = parse(await call({ method: 'GET', path: '/me' }));
      expect(me.identityId).toBe(alice.identityId);
    }
    expect(aws.cognito.calls().length + aws.sts.calls().length).toBe(before);
  });

  test('uses no identity directory', async () => {
    const dynamoCalls: unknown[] = [];
    const { call } = testApp({
      now: testClock.now,
      config: { ...sealedConfig, identityDirectoryTable: 'directory' },
      dynamoClient: { send: async (command: unknown) => dynamoCalls.push(command) } as never,
    });
    expect((await call(upload())).statusCode).toBe(201);
    expect(dynamoCalls.filter((command) => command instanceof GetItemCommand)).toHaveLength(0);
    expect(dynamoCalls).toHaveLength(0);
  });

  test('a 12-hour URL lives 12 hours, and expiresAt is truthful after the session ages', async () => {
    const { call } = testApp({
      now: testClock.now,
      config: { ...sealedConfig, maxUrlLifetimeSeconds: 43_200 },
    });
    const first = parse(await call(download(43_200)));
    expect(first.expiresAt).toBe(new Date(T0 + 12 * HOUR).toISOString());
    testClock.set(T0 + 2 * HOUR);
    // The session would cut a new 12-hour URL short: it is refreshed first, once.
    const second = parse(await call(download(43_200)));
    expect(second.expiresAt).toBe(new Date(T0 + 14 * HOUR).toISOString());
    expect(aws.sts.commandCalls(AssumeRoleWithWebIdentityCommand)).toHaveLength(2);
  });

  test('throttling of the developer call is retried, then a 503 with Retry-After', async () => {
    aws.cognito
      .on(GetOpenIdTokenForDeveloperIdentityCommand)
      .rejects(Object.assign(new Error('slow down'), { name: 'TooManyRequestsException' }));
    const identity = createIdentityService({
      mode: 'sealed',
      client: new CognitoIdentityClient({ region: 'us-east-1' }),
      sts: { send: async () => ({}) } as never,
      userPoolId: sealedConfig.userPoolId,
      identityPoolId: sealedConfig.identityPoolId,
      loginsKey: sealedConfig.loginsKey,
      developerProviderName: 'user-files.Test',
      roleArn: sealedConfig.authenticatedRoleArn,
      sessionDurationSeconds: 3600,
      retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => undefined },
    });
    const failure = await identity
      .session({ sub: alice.sub, username: 'a', idToken: alice.token })
      .catch((error: unknown) => error);
    expect(aws.cognito.commandCalls(GetOpenIdTokenForDeveloperIdentityCommand)).toHaveLength(3);
    expect(toAppError(failure)).toBeInstanceOf(ThrottledError);
  });

  test("a refused developer login is the function's fault (502), not the caller's (401)", async () => {
    aws.cognito
      .on(GetOpenIdTokenForDeveloperIdentityCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'NotAuthorizedException' }));
    const response = await sealedApp().call(upload());
    expect(response.statusCode).toBe(502);
    expect(parse(response).code).toBe('upstream_error');
  });

  test('refuses an STS answer for another identity', async () => {
    aws.sts.on(AssumeRoleWithWebIdentityCommand).resolves({
      Credentials: {
        AccessKeyId: 'ASIAX',
        SecretAccessKey: 's',
        SessionToken: 't',
        Expiration: new Date(T0 + HOUR),
      },
      SubjectFromWebIdentityToken: bob.identityId,
    });
    const response = await sealedApp().call(upload(alice));
    expect(response.statusCode).toBe(502);
  });

  test('needs the developer provider name', () => {
    expect(() =>
      createIdentityService({
        mode: 'sealed',
        client: new CognitoIdentityClient({ region: 'us-east-1' }),
        sts: { send: async () => ({}) } as never,
        userPoolId: sealedConfig.userPoolId,
        identityPoolId: sealedConfig.identityPoolId,
        loginsKey: sealedConfig.loginsKey,
        roleArn: sealedConfig.authenticatedRoleArn,
        sessionDurationSeconds: 3600,
      }),
    ).toThrow(/developer provider/);
  });
});

describe('direct mode', () => {
  test("GetId, then GetOpenIdToken with the user's token, then STS for the configured duration", async () => {
    const { call } = testApp({ now: testClock.now, config: { ...config, sessionDurationSeconds: 7200 } });
    expect((await call(upload())).statusCode).toBe(201);
    expect(aws.cognito.commandCalls(GetIdCommand).map((c) => c.args[0].input)).toEqual([
      { IdentityPoolId: config.identityPoolId, Logins: { [config.loginsKey]: alice.token } },
    ]);
    expect(aws.cognito.commandCalls(GetOpenIdTokenCommand).map((c) => c.args[0].input)).toEqual([
      { IdentityId: alice.identityId, Logins: { [config.loginsKey]: alice.token } },
    ]);
    expect(aws.cognito.commandCalls(GetOpenIdTokenForDeveloperIdentityCommand)).toHaveLength(0);
    expect(aws.cognito.commandCalls(GetCredentialsForIdentityCommand)).toHaveLength(0);
    expect(aws.sts.commandCalls(AssumeRoleWithWebIdentityCommand)[0]?.args[0].input).toMatchObject({
      RoleArn: config.authenticatedRoleArn,
      WebIdentityToken: openIdTokenFor(alice),
      DurationSeconds: 7200,
    });
  });

  test('a token the pool refuses for the identity is a 401', async () => {
    const { call } = testApp({ now: testClock.now });
    const response = await call({ ...upload(), user: { ...alice, token: bob.token } });
    // The token's payload names another sub than the claims: refused before any call.
    expect(response.statusCode).toBe(401);
    const stale = { ...alice, token: `${alice.token}x` };
    expect((await call(upload(stale))).statusCode).toBe(401);
    expect(aws.sts.commandCalls(AssumeRoleWithWebIdentityCommand)).toHaveLength(0);
  });

  test('STS failures other than transient ones are upstream errors', async () => {
    aws.sts
      .on(AssumeRoleWithWebIdentityCommand)
      .rejects(Object.assign(new Error('bad'), { name: 'InvalidIdentityTokenException' }));
    const response = await testApp({ now: testClock.now }).call(upload());
    expect(response.statusCode).toBe(502);
    expect(toAppError(new UpstreamError('x')).status).toBe(502);
  });
});
