/**
 * `npm run audit` against a real local stack: after uploads through the API and their events, the
 * ledger matches the bucket; a usage item edited behind the events function's back is reported with
 * its owner and the difference; after `DELETE /me/data` neither the ledger nor the audit holds
 * anything of that user. The audit's S3 credential may list the bucket and do nothing else.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOMBSTONE_TTL_SECONDS, USAGE_SK } from '../../lambdas/aws/ledger';
import { ADMIN_KEYS_FILE_NAME, readAdminKeys, writeAdminKeys } from '../../local/stack/admin-keys';
import { type LocalStack, startLocalStack } from '../../local/stack/local-stack';
import { runAudit } from '../../scripts/audit';
import { UsageError } from '../../scripts/users';
import { createFreshUser } from '../e2e/support/fresh-user';
import { type Session, signIn } from '../e2e/support/session';
import { randomBody, send } from '../e2e/support/storage';
import { targetOf } from '../e2e/support/target';

let stack: LocalStack;
let dir: string;
let outputsFile: string;
let alice: Session;
let bob: Session;

beforeAll(async () => {
  stack = await startLocalStack({ quiet: true });
  dir = await mkdtemp(join(tmpdir(), 'user-files-audit-'));
  outputsFile = join(dir, 'outputs.json');
  await writeFile(outputsFile, JSON.stringify(stack.outputs));
  await writeAdminKeys(join(dir, ADMIN_KEYS_FILE_NAME), stack.adminCredentials, stack.auditCredentials);
  const target = targetOf(stack);
  [alice, bob] = await Promise.all([signIn(target, target.users[0]), signIn(target, target.users[1])]);
});

afterAll(async () => {
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function upload(
  session: Session,
  level: 'private' | 'protected' | 'public',
  key: string,
  size: number,
) {
  const created = await session.api.POST('/files/uploads', {
    body: { level, key, contentType: 'application/octet-stream', size },
  });
  if (!created.data) throw new Error(`upload URL refused: ${created.response.status}`);
  expect((await send(created.data, { body: randomBody(size) })).status).toBe(200);
}

async function audit(): Promise<{ drifting: number; lines: string[] }> {
  const lines: string[] = [];
  const drifting = await runAudit(['--outputs', outputsFile], (line) => lines.push(line));
  return { drifting, lines };
}

/** Every item of `owner`'s ledger partition, read with the stack's admin keys. */
async function ledgerItems(owner: string) {
  const dynamodb = new DynamoDBClient({
    region: stack.outputs.Region,
    endpoint: stack.outputs.DynamoDbEndpoint,
    credentials: stack.adminCredentials,
  });
  try {
    const output = await dynamodb.send(
      new QueryCommand({
        TableName: stack.outputs.LedgerTable,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: owner } },
      }),
    );
    return output.Items ?? [];
  } finally {
    dynamodb.destroy();
  }
}

function s3As(credentials: LocalStack['auditCredentials']): S3Client {
  return new S3Client({
    region: stack.outputs.Region,
    endpoint: stack.outputs.S3Endpoint,
    forcePathStyle: true,
    credentials,
  });
}

describe('npm run audit (local stack)', () => {
  it('writes the audit credential only into the 0600 keys file, never the outputs', async () => {
    const keysFile = join(dir, ADMIN_KEYS_FILE_NAME);
    expect((await stat(keysFile)).mode & 0o777).toBe(0o600);
    expect((await readAdminKeys(keysFile))?.audit?.accessKeyId).toBe(stack.auditCredentials.accessKeyId);
    expect(JSON.stringify(stack.outputs)).not.toContain(stack.auditCredentials.accessKeyId);
    expect(JSON.stringify(stack.outputs)).not.toContain(stack.auditCredentials.secretAccessKey);
  });

  it('the audit credential lists the bucket but reads and writes no object', async () => {
    await upload(alice, 'private', 'audit/secret.bin', 10);
    const s3 = s3As(stack.auditCredentials);
    try {
      const key = `private/${alice.identityId}/audit/secret.bin`;
      await expect(
        s3.send(new GetObjectCommand({ Bucket: stack.outputs.BucketName, Key: key })),
      ).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
      await expect(
        s3.send(new PutObjectCommand({ Bucket: stack.outputs.BucketName, Key: key, Body: 'x' })),
      ).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    } finally {
      s3.destroy();
    }
  });

  it('finds no drift after uploads, an overwrite and events, then names the owner of an edited ledger', async () => {
    await upload(alice, 'private', 'audit/a.bin', 100);
    await upload(alice, 'public', 'audit/b.bin', 200);
    await upload(alice, 'private', 'audit/a.bin', 150);
    await upload(bob, 'protected', 'audit/c.bin', 300);
    await stack.events.drain();

    const clean = await audit();
    expect(clean.drifting).toBe(0);
    expect(clean.lines.at(-1)).toMatch(/^no drift: 2 owner\(s\), 4 object\(s\)/);

    // As an administrator might: bob's usage item off by 7 bytes in the protected level.
    const dynamodb = new DynamoDBClient({
      region: stack.outputs.Region,
      endpoint: stack.outputs.DynamoDbEndpoint,
      credentials: stack.adminCredentials,
    });
    try {
      await dynamodb.send(
        new UpdateItemCommand({
          TableName: stack.outputs.LedgerTable,
          Key: { pk: { S: bob.identityId }, sk: { S: USAGE_SK } },
          UpdateExpression: 'ADD #bytes :seven, #pb :seven',
          ExpressionAttributeNames: { '#bytes': 'bytes', '#pb': 'protectedBytes' },
          ExpressionAttributeValues: { ':seven': { N: '7' } },
        }),
      );
    } finally {
      dynamodb.destroy();
    }

    const drifted = await audit();
    expect(drifted.drifting).toBe(1);
    const text = drifted.lines.join('\n');
    expect(text).toContain(`drift: ${bob.identityId}: ledger +7 bytes, 0 objects against the bucket`);
    expect(text).toContain(`${bob.identityId} protected.bytes: ledger 307, actual 300`);
    expect(text).not.toContain(alice.identityId);
    expect(drifted.lines.at(-1)).toMatch(/^1 of 2 owner\(s\) drift/);
  });

  it('after DELETE /me/data, nothing of the user is left in the ledger, the share index or the audit', async () => {
    const eraser = await signIn(targetOf(stack), await createFreshUser(targetOf(stack), 'audit-eraser'));
    await upload(eraser, 'private', 'gone/a.bin', 10);
    await upload(eraser, 'public', 'gone/b.bin', 20);
    await upload(bob, 'private', 'audit/for-eraser.bin', 30);
    await stack.events.drain();
    const outgoing = await eraser.api.POST('/files/shares', {
      body: { level: 'private', key: 'gone/a.bin', with: bob.username },
    });
    expect(outgoing.response.status).toBe(201);
    const incoming = await bob.api.POST('/files/shares', {
      body: { level: 'private', key: 'audit/for-eraser.bin', with: eraser.username },
    });
    expect(incoming.response.status).toBe(201);
    await stack.events.drain();
    expect((await eraser.api.GET('/me')).data?.usage).toMatchObject({ bytes: 40, objects: 3 });
    expect((await eraser.api.GET('/files/shared-with-me')).data?.items).toHaveLength(1);
    expect((await bob.api.GET('/files/shared-with-me')).data?.items).toEqual([
      expect.objectContaining({ owner: eraser.identityId, key: 'gone/a.bin' }),
    ]);
    expect(await ledgerItems(eraser.identityId)).not.toHaveLength(0);

    let status = 0;
    for (let call = 0; call < 5 && status !== 204; call++) {
      status = (await eraser.api.DELETE('/me/data')).response.status;
    }
    expect(status).toBe(204);
    await stack.events.drain();

    // Late delete events may leave tombstones, each expiring; never usage, shares or rejections.
    const left = await ledgerItems(eraser.identityId);
    const horizon = Math.floor(Date.now() / 1000) + TOMBSTONE_TTL_SECONDS + 60;
    for (const item of left) {
      expect(item.sk?.S).toMatch(/^object#/);
      expect(item.deleted?.BOOL).toBe(true);
      expect(Number(item.expiresAt?.N)).toBeLessThan(horizon);
    }
    expect((await bob.api.GET('/files/shared-with-me')).data?.items).toEqual([]);
    const result = await audit();
    expect(result.lines.join('\n')).not.toContain(eraser.identityId);
    // The share bob made stays bob's, and still counts for him.
    expect((await bob.api.GET('/me')).data?.usage?.levels.shared).toEqual({ bytes: 30, objects: 1 });
  });

  it('refuses a keys file without the audit credential, and a stack that is not running', async () => {
    const old = await mkdtemp(join(tmpdir(), 'user-files-audit-old-'));
    try {
      await writeFile(join(old, 'outputs.json'), JSON.stringify(stack.outputs));
      await expect(runAudit(['--outputs', join(old, 'outputs.json')], () => undefined)).rejects.toThrow(
        /no local stack is running/,
      );
      await writeAdminKeys(join(old, ADMIN_KEYS_FILE_NAME), stack.adminCredentials);
      await expect(runAudit(['--outputs', join(old, 'outputs.json')], () => undefined)).rejects.toThrow(
        UsageError,
      );
    } finally {
      await rm(old, { recursive: true, force: true });
    }
  });
});
