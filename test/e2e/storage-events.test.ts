/**
 * Storage events end to end, on a stack of this file's own whose event delivery duplicates and
 * reorders messages: the ledger behind GET /me equals a listing of what is stored, uploads whose
 * bytes are not their declared type are removed with their reason, a per-user quota holds under
 * 20 racing requests, and an over-size object written with the user's own credentials is removed.
 */
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USAGE_SK } from '../../lambdas/aws/ledger';
import { type LocalStack, startLocalStack } from '../../local/stack/local-stack';
import { OWNER_LEVELS as LEVELS, type Level } from '../../shared/domain/keys';
import { usageOf } from '../../shared/events/ledger';
import { SAMPLES } from '../support/content-samples';
import { createFreshUser } from './support/fresh-user';
import { identityCredentials, type Session, signIn, storageAs } from './support/session';
import { randomBody, runPrefix, send } from './support/storage';
import { type E2eTarget, targetOf } from './support/target';

let stack: LocalStack;
let target: E2eTarget;
let alice: Session;
let bob: Session;

beforeAll(async () => {
  stack = await startLocalStack({
    quiet: true,
    uploadRules: JSON.stringify({ public: { maxUploadBytes: 2048 } }),
    eventFaults: { duplicate: 0.2, reorder: 0.2 },
  });
  target = targetOf(stack);
  [alice, bob] = await Promise.all([signIn(target, target.users[0]), signIn(target, target.users[1])]);
});

afterAll(async () => {
  await stack?.stop();
});

async function upload(session: Session, level: Level, key: string, contentType: string, body: Uint8Array) {
  const created = await session.api.POST('/files/uploads', {
    body: { level, key, contentType, size: body.length },
  });
  if (!created.data) throw new Error(`upload URL refused: ${created.response.status}`);
  const put = await send(created.data, { body });
  expect(put.status).toBe(200);
}

async function me(session: Session) {
  const answer = await session.api.GET('/me');
  if (!answer.data) throw new Error(`GET /me failed: ${answer.response.status}`);
  return answer.data;
}

/** Usage summed from listing every level of the user's own folders with their own credentials. */
async function listedUsage(session: Session) {
  const s3 = storageAs(target, await identityCredentials(target, session.idToken));
  const objects: { level: Level; size: number }[] = [];
  try {
    for (const level of LEVELS) {
      let token: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({
            Bucket: target.bucketName,
            Prefix: `${level}/${session.identityId}/`,
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
        for (const item of page.Contents ?? []) objects.push({ level, size: item.Size ?? 0 });
        token = page.NextContinuationToken;
      } while (token);
    }
  } finally {
    s3.destroy();
  }
  return usageOf(objects);
}

describe('usage ledger', () => {
  it('after a mixed workload with duplicated and reordered events, equals the listing', async () => {
    const prefix = runPrefix('usage');
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 12; i++) {
      const level = LEVELS[i % 3] as Level;
      writes.push(
        upload(alice, level, `${prefix}f${i}.bin`, 'application/octet-stream', randomBody(100 + i)),
      );
    }
    await Promise.all(writes);
    // Overwrites and deletes.
    await upload(alice, 'private', `${prefix}f0.bin`, 'application/octet-stream', randomBody(7));
    for (const i of [1, 4, 5]) {
      const level = LEVELS[i % 3] as Level;
      const deleted = await alice.api.DELETE('/files', {
        params: { query: { level, key: `${prefix}f${i}.bin` } },
      });
      expect(deleted.response.status).toBe(204);
    }
    await stack.events.drain();
    expect(stack.events.deadLetters).toEqual([]);
    const listed = await listedUsage(alice);
    const answer = await me(alice);
    expect(listed.objects).toBe(9);
    // A user's own usage has no `groups` level: group files count in the group's partition.
    const { groups, ...ownLevels } = listed.levels;
    expect(groups).toEqual({ bytes: 0, objects: 0 });
    expect(answer.usage).toMatchObject({ bytes: listed.bytes, objects: listed.objects, levels: ownLevels });
    expect(answer.usage?.levels).not.toHaveProperty('groups');
    // Duplicates really were delivered.
    expect(stack.events.stats.received).toBeGreaterThan(stack.events.stats.emitted);
  });
});

describe('checks after upload', () => {
  it('removes a PNG declared image/jpeg and HTML declared image/png, reasons in GET /me', async () => {
    const prefix = runPrefix('sniff');
    await upload(bob, 'private', `${prefix}photo.jpg`, 'image/jpeg', SAMPLES['image/png']);
    await upload(bob, 'private', `${prefix}page.png`, 'image/png', SAMPLES['text/html']);
    await upload(bob, 'private', `${prefix}real.png`, 'image/png', SAMPLES['image/png']);
    await stack.events.drain();
    const answer = await me(bob);
    const rejected = Object.fromEntries((answer.rejections ?? []).map((r) => [r.key, r]));
    expect(rejected[`${prefix}photo.jpg`]).toMatchObject({ reason: 'content_mismatch', level: 'private' });
    expect(rejected[`${prefix}photo.jpg`]?.detail).toContain('image/png');
    expect(rejected[`${prefix}page.png`]).toMatchObject({ reason: 'content_mismatch' });
    expect(rejected[`${prefix}real.png`]).toBeUndefined();
    const listing = await bob.api.GET('/files', { params: { query: { level: 'private', prefix } } });
    expect(listing.data?.items.map((item) => item.key)).toEqual([`${prefix}real.png`]);
  });

  it("removes an over-size object written straight to storage with the user's own credentials", async () => {
    const key = `public/${alice.identityId}/${runPrefix('direct')}big.bin`;
    const s3 = storageAs(target, await identityCredentials(target, alice.idToken));
    try {
      await s3.send(new PutObjectCommand({ Bucket: target.bucketName, Key: key, Body: randomBody(4096) }));
    } finally {
      s3.destroy();
    }
    await stack.events.drain();
    const answer = await me(alice);
    const relative = key.slice(`public/${alice.identityId}/`.length);
    expect(answer.rejections?.find((r) => r.key === relative)).toMatchObject({
      reason: 'too_large',
      level: 'public',
    });
    const listed = await listedUsage(alice);
    expect(answer.usage).toMatchObject({ bytes: listed.bytes, objects: listed.objects });
  });
});

/**
 * A fresh user with a per-user quota override on their ledger usage item, as an administrator sets
 * one, before their first upload (an instance takes a user it found unlimited to stay so for a minute).
 */
async function userWithQuota(name: string, bytes: number): Promise<Session> {
  const session = await signIn(target, await createFreshUser(target, name));
  const dynamo = new DynamoDBClient({
    region: target.region,
    endpoint: stack.outputs.DynamoDbEndpoint,
    credentials: stack.adminCredentials,
  });
  try {
    await dynamo.send(
      new UpdateItemCommand({
        TableName: stack.outputs.LedgerTable,
        Key: { pk: { S: session.identityId }, sk: { S: USAGE_SK } },
        UpdateExpression: 'SET quotaBytes = :bytes',
        ExpressionAttributeValues: { ':bytes': { N: String(bytes) } },
      }),
    );
  } finally {
    dynamo.destroy();
  }
  return session;
}

describe('quota', () => {
  it('20 racing upload requests for a quota that fits 5 get exactly 5 URLs; the rest 403 quota_exceeded', async () => {
    const racer = await userWithQuota('quota-racer', 5 * 1000);
    const prefix = runPrefix('quota');
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        racer.api.POST('/files/uploads', {
          body: {
            level: 'private',
            key: `${prefix}${i}.bin`,
            contentType: 'application/octet-stream',
            size: 1000,
          },
        }),
      ),
    );
    const statuses = answers.map((answer) => answer.response.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(5);
    expect(statuses.filter((status) => status === 403)).toHaveLength(15);
    const refused = answers.find((answer) => answer.response.status === 403)?.error as
      | { code?: string; limit?: { bytes?: number }; usage?: { reservedBytes?: number } }
      | undefined;
    expect(refused?.code).toBe('quota_exceeded');
    expect(refused?.limit?.bytes).toBe(5000);
    expect(refused?.usage?.reservedBytes).toBe(5000);
    const standing = await me(racer);
    expect(standing.usage?.reservedObjects).toBe(5);
    expect(standing.quota?.bytes).toBe(5000);
  });

  it('a share is a copy its owner stores: it counts toward their usage and quota, as copies and moves do', async () => {
    const owner = await userWithQuota('share-quota', 3500);
    const prefix = runPrefix('share-quota');
    await upload(owner, 'private', `${prefix}x.bin`, 'application/octet-stream', randomBody(1000));
    await upload(owner, 'private', `${prefix}z.bin`, 'application/octet-stream', randomBody(1000));
    await stack.events.drain();
    const first = await owner.api.POST('/files/shares', {
      body: { level: 'private', key: `${prefix}x.bin`, with: bob.username },
    });
    expect(first.response.status).toBe(201);
    await stack.events.drain();
    const after = (await me(owner)).usage;
    expect(after?.bytes).toBe(3000);
    expect(after?.levels.shared).toEqual({ bytes: 1000, objects: 1 });

    // 3,000 stored; another 1,000 would pass 3,500.
    const second = await owner.api.POST('/files/shares', {
      body: { level: 'private', key: `${prefix}z.bin`, with: bob.username },
    });
    expect(second.response.status).toBe(403);
    expect(second.error).toMatchObject({ code: 'quota_exceeded' });
    // Copies and moves store a second copy first: the quota refuses them too, and the source stays.
    for (const move of [false, true]) {
      const copy = await owner.api.POST('/files/copies', {
        body: {
          from: { level: 'private', key: `${prefix}z.bin` },
          to: { level: 'protected', key: `${prefix}z.bin` },
          move,
        },
      });
      expect(copy.response.status).toBe(403);
      expect(copy.error).toMatchObject({ code: 'quota_exceeded' });
    }
    const source = await owner.api.GET('/files/properties', {
      params: { query: { level: 'private', key: `${prefix}z.bin` } },
    });
    expect(source.data?.size).toBe(1000);
  });
});
