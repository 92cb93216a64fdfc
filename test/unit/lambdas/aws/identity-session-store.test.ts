import {
  CognitoIdentityClient,
  GetOpenIdTokenCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
} from '@aws-sdk/client-cognito-identity';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { STSClient } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { loadConfig } from '../../../../lambdas/api/config';
import { toAppError } from '../../../../lambdas/api/http/problem';
import { type Caller, createIdentityService } from '../../../../lambdas/aws/identity';
import { createIdentityDirectory } from '../../../../lambdas/aws/identity-directory';
import { createSessionStore } from '../../../../lambdas/aws/session-store';
import { ThrottledError } from '../../../../shared/domain/errors';
import {
  alice,
  bob,
  type Clock,
  capturingLogger,
  clock,
  config,
  ENV,
  mockAws,
  parse,
  type TestUser,
  testApp,
} from '../../support/fixtures';
import {
  awsServiceError,
  fakeDynamo,
  fakeKms,
  SESSION_KEY_ID,
  SESSION_TABLE,
} from '../../support/session-store-fakes';

const HOUR = 3_600_000;
const DIRECTORY = 'user-files-identity-directory';
const noWait = { attempts: 3, baseDelayMs: 1, maxDelayMs: 2, sleep: async () => undefined };
const caller = (user: TestUser): Caller => ({ sub: user.sub, username: user.username, idToken: user.token });

let testClock: Clock;
let aws: ReturnType<typeof mockAws>;
let dynamo: ReturnType<typeof fakeDynamo>;
let kms: ReturnType<typeof fakeKms>;

beforeEach(() => {
  testClock = clock();
  aws = mockAws({ users: [alice, bob], clock: testClock });
  dynamo = fakeDynamo();
  kms = fakeKms();
});

afterEach(() => {
  aws.cognito.restore();
  aws.sts.restore();
  aws.s3.restore();
  dynamo.sdk.restore();
  kms.sdk.restore();
});

/** A new Lambda instance: its own caches and clients, over the shared tables and key. */
function instance(mode: 'sealed' | 'direct') {
  const dynamoClient = new DynamoDBClient({ region: 'us-east-1' });
  return createIdentityService({
    mode,
    client: new CognitoIdentityClient({ region: 'us-east-1' }),
    sts: new STSClient({ region: 'us-east-1' }),
    roleArn: config.authenticatedRoleArn,
    sessionDurationSeconds: 43_200,
    userPoolId: config.userPoolId,
    identityPoolId: config.identityPoolId,
    loginsKey: config.loginsKey,
    ...(mode === 'sealed' ? { developerProviderName: config.developerProviderName } : {}),
    now: testClock.now,
    retry: noWait,
    ...(mode === 'direct'
      ? { directory: createIdentityDirectory({ client: dynamoClient, tableName: DIRECTORY }) }
      : {}),
    sessionStore: createSessionStore({
      dynamo: dynamoClient,
      kms: new KMSClient({ region: 'us-east-1' }),
      tableName: SESSION_TABLE,
      keyId: SESSION_KEY_ID,
      now: testClock.now,
    }),
  });
}

const upstreamCalls = () => aws.cognito.calls().length + aws.sts.calls().length;
/** Sessions minted: one Cognito token call each (then STS). */
const mints = (mode: 'sealed' | 'direct') =>
  mode === 'sealed'
    ? aws.cognito.commandCalls(GetOpenIdTokenForDeveloperIdentityCommand).length
    : aws.cognito.commandCalls(GetOpenIdTokenCommand).length;
const itemId = (user: TestUser) => `${config.userPoolId}#${user.sub}`;

describe.each(['sealed', 'direct'] as const)('%s mode with a session store', (mode) => {
  test('a second instance serves a user with zero Cognito or STS calls', async () => {
    const first = await instance(mode).session(caller(alice));
    const before = upstreamCalls();
    expect(before).toBeGreaterThan(0);

    const second = instance(mode);
    expect(await second.session(caller(alice))).toEqual(first);
    expect(await second.identityId(caller(alice))).toBe(alice.identityId);
    expect(upstreamCalls()).toBe(before);
  });

  test('a forced refresh mints and overwrites the stored session', async () => {
    const one = instance(mode);
    await one.session(caller(alice));
    testClock.advance(HOUR);
    const renewed = await one.session(caller(alice), { forceRefresh: true });
    expect(mints(mode)).toBe(2);
    expect(await instance(mode).session(caller(alice))).toEqual(renewed);
    expect(mints(mode)).toBe(2);
  });

  test('concurrent misses on one instance make one read, one mint and one write', async () => {
    const one = instance(mode);
    await Promise.all(Array.from({ length: 10 }, () => one.session(caller(alice))));
    expect(mints(mode)).toBe(1);
    // The user's row only (the fleet's data key has a row of its own).
    const userRow = (call: { args: [{ input: { Key?: unknown; Item?: unknown } }] }) =>
      !JSON.stringify(call.args[0].input).includes('data-key#');
    expect(
      dynamo.sdk.commandCalls(PutItemCommand, { TableName: SESSION_TABLE }).filter(userRow),
    ).toHaveLength(1);
    expect(
      dynamo.sdk.commandCalls(GetItemCommand, { TableName: SESSION_TABLE }).filter(userRow),
    ).toHaveLength(1);
  });

  test('forget deletes the stored session', async () => {
    const one = instance(mode);
    await one.session(caller(alice));
    await instance(mode).session(caller(bob));
    await one.forget(caller(alice));
    expect(dynamo.table().has(itemId(alice))).toBe(false);
    expect(dynamo.table().has(itemId(bob))).toBe(true);
  });
});

describe('a stored session the store refuses is minted again and overwritten', () => {
  const edits: Record<string, () => void> = {
    'tampered ciphertext': () => {
      const data = dynamo.table().get(itemId(alice))?.data?.B as Uint8Array;
      data[0] = (data[0] ?? 0) ^ 1;
    },
    "another user's item in this user's row": () => {
      dynamo.table().set(itemId(alice), { ...dynamo.table().get(itemId(bob)), id: { S: itemId(alice) } });
    },
    'edited expiry': () => {
      const item = dynamo.table().get(itemId(alice));
      if (item) item.expiresAt = { N: String(Number(item.expiresAt?.N) + 86_400) };
    },
    'expired item': () => testClock.advance(12 * HOUR),
  };

  test.each(Object.keys(edits))('%s', async (edit) => {
    await instance('sealed').session(caller(alice));
    await instance('sealed').session(caller(bob));
    edits[edit]?.();
    const before = mints('sealed');

    const served = await instance('sealed').session(caller(alice));
    expect(served.identityId).toBe(alice.identityId);
    expect(served.credentials.accessKeyId).toBe('ASIAUSER1KEY');
    expect(mints('sealed')).toBe(before + 1);
    // The fresh session replaced the refused item: the next instance is served from the store.
    await instance('sealed').session(caller(alice));
    expect(mints('sealed')).toBe(before + 1);
  });
});

describe('direct mode', () => {
  test('stores nothing when the pool refuses the caller’s token', async () => {
    const forged = { ...caller(alice), idToken: 'not-a-token-the-pool-accepts' };
    await expect(instance('direct').session(forged)).rejects.toThrow();
    expect(dynamo.table().size).toBe(0);
  });

  test("serves a caller only a session for the caller's own sub and identity", async () => {
    await instance('direct').session(caller(bob));
    // Bob's item copied to Alice's row is refused; Alice's own token mints hers.
    dynamo.table().set(itemId(alice), { ...dynamo.table().get(itemId(bob)), id: { S: itemId(alice) } });
    const served = await instance('direct').session(caller(alice));
    expect(served.identityId).toBe(alice.identityId);
    expect(served.credentials.accessKeyId).toBe('ASIAUSER1KEY');
  });
});

describe('store failures fall back to minting', () => {
  const withStore = loadConfig({
    ...ENV,
    ACCESS_MODE: 'sealed',
    SESSION_TABLE,
    SESSION_KEY_ID,
  });
  const app = () => {
    const logs = capturingLogger();
    return { ...testApp({ now: testClock.now, config: withStore, logger: logs.logger }), logs };
  };

  test('through the API: a second instance answers from the store', async () => {
    expect((await app().call({ method: 'GET', path: '/me' })).statusCode).toBe(200);
    const before = upstreamCalls();
    const me = await app().call({ method: 'GET', path: '/me' });
    expect(parse(me).identityId).toBe(alice.identityId);
    expect(upstreamCalls()).toBe(before);
  });

  // Read failures meet a session stored before; write failures, a user with none yet.
  const failures: Record<string, { readonly stored: boolean; readonly fail: () => void }> = {
    'KMS Decrypt throttled': {
      stored: true,
      fail: () => kms.sdk.on(DecryptCommand).rejects(awsServiceError('ThrottlingException', 400, 'kms')),
    },
    'KMS GenerateDataKey down': {
      stored: false,
      fail: () =>
        kms.sdk.on(GenerateDataKeyCommand).rejects(awsServiceError('KMSInternalException', 500, 'kms')),
    },
    'DynamoDB reads throttled': {
      stored: true,
      fail: () =>
        dynamo.sdk
          .on(GetItemCommand)
          .rejects(awsServiceError('ProvisionedThroughputExceededException', 400, 'dynamodb')),
    },
    'DynamoDB writes failing': {
      stored: false,
      fail: () =>
        dynamo.sdk.on(PutItemCommand).rejects(awsServiceError('InternalServerError', 500, 'dynamodb')),
    },
  };

  test.each(Object.keys(failures))('%s: 200, minted, and nothing secret logged', async (name) => {
    const failure = failures[name];
    if (failure?.stored) await app().call({ method: 'GET', path: '/me', user: bob });
    failure?.fail();
    const { call, logs } = app();
    const before = mints('sealed');
    const me = await call({ method: 'GET', path: '/me', user: bob });
    expect(me.statusCode).toBe(200);
    expect(parse(me).identityId).toBe(bob.identityId);
    expect(mints('sealed')).toBe(before + 1);
    expect(logs.output()).toContain('session store skipped');
    const secrets = ['ASIAUSER2KEY', 'SECRET-ACCESS-KEY-user2', 'SESSION-TOKEN-user2', bob.token];
    const keys = kms.generated.flatMap((key) => [key.toString('base64'), key.toString('hex')]);
    for (const secret of [...secrets, ...keys]) expect(logs.output()).not.toContain(secret);
  });

  test('a throttled mint still answers 503 with Retry-After', async () => {
    aws.cognito
      .on(GetOpenIdTokenForDeveloperIdentityCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }));
    const failure = await instance('sealed')
      .session(caller(alice))
      .catch((error: unknown) => error);
    expect(toAppError(failure)).toBeInstanceOf(ThrottledError);
    const response = await app().call({ method: 'GET', path: '/me' });
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['Retry-After']).toBeDefined();
  });
});
