/**
 * `DELETE /me/data` over 2,500 objects in every level and the user's outgoing shares (plus keys
 * written around the API): 202 with `more: true` until the last call answers 204, and then the
 * user's own credentials find nothing in any of their folders, while what another user shares with
 * them stays. The objects are written straight to storage with the user's identity credentials.
 *
 * Locally it runs on a stack of its own (in the project's access mode): its 5,000 storage events
 * would otherwise queue ahead of every other file's, which wait for theirs.
 */
import {
  DeleteObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack/local-stack';
import { createFreshUser } from './support/fresh-user';
import { identityCredentials, type Session, signIn, storageAs } from './support/session';
import { type E2eTarget, e2eTarget, targetOf } from './support/target';

let stack: LocalStack | undefined;
let target: E2eTarget;
const OBJECTS = 2500;
let eraser: Session;
let other: Session;
let eraserStorage: S3Client;
let otherStorage: S3Client;

const prefixes = () => [
  `private/${eraser.identityId}/`,
  `protected/${eraser.identityId}/`,
  `public/${eraser.identityId}/`,
  `shared/${eraser.identityId}/`,
];

async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

async function keysUnder(storage: S3Client, prefix: string): Promise<number> {
  const page = await storage.send(new ListObjectsV2Command({ Bucket: target.bucketName, Prefix: prefix }));
  return page.KeyCount ?? 0;
}

beforeAll(async () => {
  const suite = e2eTarget();
  if (suite.kind === 'local') {
    stack = await startLocalStack({ quiet: true, accessMode: suite.accessMode });
    target = targetOf(stack);
  } else {
    target = suite;
  }
  eraser = await signIn(target, await createFreshUser(target, 'eraser'));
  other = await signIn(target, target.users[1]);
  eraserStorage = storageAs(target, await identityCredentials(target, eraser.idToken));
  otherStorage = storageAs(target, await identityCredentials(target, other.idToken));
  const [privateFolder, protectedFolder, publicFolder, shared] = prefixes();
  const keys = Array.from({ length: OBJECTS }, (_, i) => {
    const folder = [privateFolder, protectedFolder, publicFolder, `${shared}${other.identityId}/`][i % 4];
    return `${folder}batch/${String(i).padStart(5, '0')}.txt`;
  });
  // Written around the API: keys the API would refuse are the user's too, and go as well.
  keys.push(`${privateFolder}../escape`, `${publicFolder}a//b`, `${protectedFolder}\u202Egnp.exe`);
  await inParallel(keys, 32, async (Key) => {
    await eraserStorage.send(new PutObjectCommand({ Bucket: target.bucketName, Key, Body: 'x' }));
  });
  // What the other user shares with the eraser is the other user's: it must stay.
  await otherStorage.send(
    new PutObjectCommand({
      Bucket: target.bucketName,
      Key: `shared/${other.identityId}/${eraser.identityId}/kept.txt`,
      Body: 'kept',
    }),
  );
}, 300_000);

afterAll(async () => {
  await otherStorage
    ?.send(new ListObjectsV2Command({ Bucket: target.bucketName, Prefix: `shared/${other.identityId}/` }))
    .then(async (page) => {
      for (const object of page.Contents ?? [])
        await otherStorage.send(new DeleteObjectCommand({ Bucket: target.bucketName, Key: object.Key }));
    });
  eraserStorage?.destroy();
  otherStorage?.destroy();
  await stack?.stop();
});

describe('DELETE /me/data', () => {
  it('deletes 2,503 objects over several calls (202 more:true, then 204), and nothing is left in any level', async () => {
    for (const prefix of prefixes()) expect(await keysUnder(eraserStorage, prefix)).toBeGreaterThan(0);
    const statuses: number[] = [];
    let deleted = 0;
    for (let call = 0; call < 10; call++) {
      const response = await eraser.api.DELETE('/me/data');
      statuses.push(response.response.status);
      if (response.response.status === 204) break;
      expect(response.response.status).toBe(202);
      expect(response.data?.more).toBe(true);
      deleted += response.data?.deleted ?? 0;
    }
    expect(statuses.at(-1)).toBe(204);
    expect(statuses.slice(0, -1).every((status) => status === 202)).toBe(true);
    expect(statuses.length).toBeGreaterThanOrEqual(2);
    expect(deleted).toBeLessThanOrEqual(OBJECTS + 3);
    for (const prefix of prefixes()) expect(await keysUnder(eraserStorage, prefix)).toBe(0);
    // Another's share with the eraser is not the eraser's to delete.
    expect(await keysUnder(otherStorage, `shared/${other.identityId}/${eraser.identityId}/`)).toBe(1);

    const again = await eraser.api.DELETE('/me/data');
    expect(again.response.status).toBe(204);
  });
});
