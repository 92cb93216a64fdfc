import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createSessionStore, type SessionStoreWarning } from '../../../../lambdas/aws/session-store';
import { SESSION_KEY_CONTEXT } from '../../../../shared/contract/grants';
import { alice, bob, type Clock, clock, config, type TestUser, testUser } from '../../support/fixtures';
import {
  awsServiceError,
  fakeDynamo,
  fakeKms,
  SESSION_KEY_ID,
  SESSION_TABLE,
} from '../../support/session-store-fakes';

const HOUR = 3_600_000;
let testClock: Clock;
let dynamo: ReturnType<typeof fakeDynamo>;
let kms: ReturnType<typeof fakeKms>;
let warnings: SessionStoreWarning[];

beforeEach(() => {
  testClock = clock();
  dynamo = fakeDynamo();
  kms = fakeKms();
  warnings = [];
});

afterEach(() => {
  dynamo.sdk.restore();
  kms.sdk.restore();
});

/** The store's default: one fleet data key per 4 hours. */
const DATA_KEY_INTERVAL = 4 * HOUR;

/** A new instance's store: its own data-key caches over the shared table and key. */
const store = () =>
  createSessionStore({
    dynamo: new DynamoDBClient({ region: 'us-east-1' }),
    kms: new KMSClient({ region: 'us-east-1' }),
    tableName: SESSION_TABLE,
    keyId: SESSION_KEY_ID,
    now: testClock.now,
    log: (_message, warning) => warnings.push(warning),
  });

const owner = (user: TestUser) => ({ userPoolId: config.userPoolId, sub: user.sub });
const itemOf = (user: TestUser) => dynamo.table().get(`${config.userPoolId}#${user.sub}`);
const session = (user: TestUser, lifetimeMs = 12 * HOUR) => ({
  identityId: user.identityId,
  credentials: {
    accessKeyId: `ASIA${user.username.toUpperCase()}KEY`,
    secretAccessKey: `SECRET-ACCESS-KEY-${user.username}`,
    sessionToken: `SESSION-TOKEN-${user.username}`,
    expiration: new Date(testClock.now() + lifetimeMs),
    obtainedAt: testClock.now(),
  },
});
const decrypts = () => kms.sdk.commandCalls(DecryptCommand).length;
const dataKeys = () => kms.sdk.commandCalls(GenerateDataKeyCommand).length;

describe('session store', () => {
  test('round trip: another instance reads back exactly what was put, and the item holds nothing in plaintext', async () => {
    await store().put(owner(alice), session(alice));
    expect(await store().get(owner(alice))).toEqual(session(alice));
    expect(await store().get({ ...owner(alice), identityId: alice.identityId })).toEqual(session(alice));

    const item = itemOf(alice);
    expect(item?.expiresAt?.N).toBe(String(Math.floor((testClock.now() + 12 * HOUR) / 1000)));
    expect(item?.identityId?.S).toBe(alice.identityId);
    const raw = JSON.stringify(item, (_key, value) =>
      value instanceof Uint8Array ? Buffer.from(value).toString('latin1') : value,
    );
    for (const secret of Object.values(session(alice).credentials).filter((v) => typeof v === 'string')) {
      expect(raw).not.toContain(secret);
    }
    expect(kms.sdk.commandCalls(GenerateDataKeyCommand)[0]?.args[0].input).toMatchObject({
      KeySpec: 'AES_256',
      EncryptionContext: SESSION_KEY_CONTEXT,
    });
  });

  test('1,000 users on one instance take one GenerateDataKey; another instance reads them all with one Decrypt', async () => {
    const users = Array.from({ length: 1_000 }, (_, n) => testUser(n + 1));
    const writer = store();
    await Promise.all(users.map((user) => writer.put(owner(user), session(user))));
    expect(dataKeys()).toBe(1);
    expect(decrypts()).toBe(0);

    const reader = store();
    const read = await Promise.all(users.map((user) => reader.get(owner(user))));
    expect(read.every((found, n) => found?.identityId === users[n]?.identityId)).toBe(true);
    expect(decrypts()).toBe(1);
  }, 30_000); // 2,000 mocked calls: slow on a shared machine, whatever the store does.

  test('the fleet seals with one published data key per interval: another instance takes it, no new key', async () => {
    await store().put(owner(alice), session(alice));
    expect(dataKeys()).toBe(1);
    const other = store();
    await other.put(owner(bob), session(bob));
    expect(dataKeys()).toBe(1);
    expect(decrypts()).toBe(1);
    testClock.advance(DATA_KEY_INTERVAL - 1);
    await other.put(owner(bob), session(bob));
    expect(dataKeys()).toBe(1);
    testClock.advance(1);
    await other.put(owner(alice), session(alice));
    expect(dataKeys()).toBe(2);
    expect(await store().get(owner(bob))).toBeDefined();
  });

  test('two instances racing for a new interval publish one key; the loser seals with the winner’s', async () => {
    const [one, two] = [store(), store()];
    await Promise.all([one.put(owner(alice), session(alice)), two.put(owner(bob), session(bob))]);
    const keyRows = [...dynamo.table().keys()].filter((id) => id.startsWith('data-key#'));
    expect(keyRows).toHaveLength(1);
    expect(itemOf(alice)?.key?.B).toEqual(itemOf(bob)?.key?.B);
  });

  describe('refuses, deleting nothing', () => {
    const refused = async (user: TestUser, reason?: string) => {
      const before = itemOf(user);
      expect(await store().get(owner(user))).toBeUndefined();
      expect(itemOf(user)).toBe(before);
      expect(dynamo.sdk.commandCalls(DeleteItemCommand)).toHaveLength(0);
      if (reason !== undefined) expect(warnings.map((warning) => warning.reason)).toContain(reason);
    };

    beforeEach(async () => {
      await store().put(owner(alice), session(alice));
      await store().put(owner(bob), session(bob));
    });

    test('a tampered ciphertext', async () => {
      const data = itemOf(alice)?.data?.B as Uint8Array;
      data[0] = (data[0] ?? 0) ^ 1;
      await refused(alice, 'item failed authentication');
    });

    test("another user's item copied to this user's row", async () => {
      dynamo.table().set(`${config.userPoolId}#${alice.sub}`, {
        ...itemOf(bob),
        id: { S: `${config.userPoolId}#${alice.sub}` },
      });
      await refused(alice, 'item failed authentication');
    });

    test("in direct mode, a session for another identity than the caller's", async () => {
      expect(await store().get({ ...owner(alice), identityId: bob.identityId })).toBeUndefined();
      expect(warnings).toEqual([{ reason: 'other identity' }]);
    });

    test('an edited expiry', async () => {
      const item = itemOf(alice);
      if (item) item.expiresAt = { N: String(Number(item.expiresAt?.N) + 3_600) };
      await refused(alice, 'item failed authentication');
    });

    test('an expired item, without asking KMS', async () => {
      testClock.advance(12 * HOUR);
      const before = decrypts();
      await refused(alice);
      expect(decrypts()).toBe(before);
    });

    test('an item expiring within the refresh margin', async () => {
      testClock.advance(12 * HOUR - 5 * 60_000);
      await refused(alice);
      testClock.advance(-1);
      expect(await store().get(owner(alice))).toBeDefined();
    });

    test('a data key encrypted under another encryption context', async () => {
      const item = itemOf(alice);
      if (item) item.key = { B: kms.encryptUnder({ purpose: 'something-else' }, Buffer.alloc(32)) };
      await refused(alice, 'data key unavailable');
    });

    test('a malformed item', async () => {
      const item = itemOf(alice);
      if (item) item.iv = { S: 'not bytes' };
      await refused(alice, 'malformed item');
    });
  });

  test('no item: undefined, no warning and no KMS call', async () => {
    expect(await store().get(owner(alice))).toBeUndefined();
    expect(warnings).toEqual([]);
    expect(decrypts() + dataKeys()).toBe(0);
  });

  test('DynamoDB and KMS failures: get answers undefined and put resolves, warning with the error name only', async () => {
    dynamo.sdk
      .on(GetItemCommand)
      .rejects(awsServiceError('ProvisionedThroughputExceededException', 400, 'dynamodb'));
    expect(await store().get(owner(alice))).toBeUndefined();
    dynamo.sdk.on(GetItemCommand).resolves({});
    dynamo.sdk.on(PutItemCommand).rejects(awsServiceError('InternalServerError', 500, 'dynamodb'));
    await expect(store().put(owner(alice), session(alice))).resolves.toBeUndefined();
    kms.sdk.on(GenerateDataKeyCommand).rejects(awsServiceError('ThrottlingException', 400, 'kms'));
    await expect(store().put(owner(bob), session(bob))).resolves.toBeUndefined();
    expect(warnings).toEqual([
      { reason: 'read failed', error: 'ProvisionedThroughputExceededException' },
      { reason: 'write failed', error: 'InternalServerError' },
      { reason: 'write failed', error: 'ThrottlingException' },
    ]);
  });

  test('delete removes the owner’s item only', async () => {
    await store().put(owner(alice), session(alice));
    await store().put(owner(bob), session(bob));
    await store().delete(owner(alice));
    expect(itemOf(alice)).toBeUndefined();
    expect(itemOf(bob)).toBeDefined();
  });

  test('warnings name no token, credential or data key', async () => {
    await store().put(owner(alice), session(alice));
    const data = itemOf(alice)?.data?.B as Uint8Array;
    data[3] = (data[3] ?? 0) ^ 1;
    await store().get(owner(alice));
    const logged = JSON.stringify(warnings);
    expect(warnings.length).toBeGreaterThan(0);
    const secrets = [
      ...Object.values(session(alice).credentials).filter((v) => typeof v === 'string'),
      ...kms.generated.flatMap((key) => [key.toString('base64'), key.toString('hex')]),
    ];
    for (const secret of secrets) expect(logged).not.toContain(secret);
  });
});
