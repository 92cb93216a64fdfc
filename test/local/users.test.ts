/**
 * `npm run users` against a real local stack (sealed): users it adds can sign in, users it removes
 * cannot, and without the running stack's admin keys it does nothing. A quota set by username lands
 * on the identity the API function then serves (`GET /me`, and a refused upload); groups are the
 * user pool's own, and a group's quota is its ledger partition's.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USAGE_SK } from '../../lambdas/aws/ledger';
import { ADMIN_KEYS_FILE_NAME, writeAdminKeys } from '../../local/stack/admin-keys';
import { type LocalStack, startLocalStack } from '../../local/stack/local-stack';
import { runUsers, UsageError } from '../../scripts/users';
import { signIn as signInSession } from '../e2e/support/session';
import { targetOf } from '../e2e/support/target';
import { localAppClient, signInWithPassword } from '../support/sign-in';

let stack: LocalStack;
let dir: string;
let outputsFile: string;

beforeAll(async () => {
  stack = await startLocalStack({ quiet: true });
  dir = await mkdtemp(join(tmpdir(), 'user-files-users-'));
  outputsFile = join(dir, 'outputs.json');
  await writeFile(outputsFile, JSON.stringify(stack.outputs));
  await writeAdminKeys(
    join(dir, ADMIN_KEYS_FILE_NAME),
    stack.adminCredentials,
    stack.auditCredentials,
    stack.functionCredentials,
  );
});

afterAll(async () => {
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function users(args: string[], env: Record<string, string> = {}): Promise<string[]> {
  const lines: string[] = [];
  await runUsers([...args, '--outputs', outputsFile], (line) => lines.push(line), env);
  return lines;
}

async function signIn(username: string, password: string): Promise<string> {
  return (await signInWithPassword(localAppClient(stack.outputs), { username, password })).idToken;
}

describe('npm run users (local stack)', () => {
  it('writes the admin keys for the same OS user only', async () => {
    expect((await stat(join(dir, ADMIN_KEYS_FILE_NAME))).mode & 0o777).toBe(0o600);
  });

  it('lists the demo users', async () => {
    const lines = await users(['list']);
    for (const demo of stack.outputs.DemoUsers) {
      expect(lines.some((line) => line.startsWith(demo.username))).toBe(true);
    }
    expect(lines.at(-1)).toBe(`${stack.outputs.DemoUsers.length} user(s) in ${stack.outputs.UserPoolId}`);
  });

  it('adds a user who can sign in at once (generated password, shown once), then removes them', async () => {
    const lines = await users(['add', 'carol@example.com']);
    const password = lines.find((line) => line.startsWith('password: '))?.split(' ')[1] ?? '';
    expect(password.length).toBeGreaterThanOrEqual(12);
    expect(await signIn('carol@example.com', password)).toMatch(/^ey/);
    expect((await users(['list'])).some((line) => line.startsWith('carol@example.com'))).toBe(true);

    await users(['remove', 'carol@example.com']);
    await expect(signIn('carol@example.com', password)).rejects.toThrow();
    expect((await users(['list'])).some((line) => line.startsWith('carol@example.com'))).toBe(false);
  });

  it('takes the password from USERS_PASSWORD and never prints it', async () => {
    const password = 'Given-Passw0rd-for-Dave';
    const lines = await users(['add', 'dave@example.com'], { USERS_PASSWORD: password });
    expect(lines.join('\n')).not.toContain(password);
    expect(await signIn('dave@example.com', password)).toMatch(/^ey/);
  });

  it('reads outputs nested under the stack name, as cdk deploy --outputs-file writes them', async () => {
    const nested = join(dir, 'nested.json');
    await writeFile(nested, JSON.stringify({ UserFilesApi: stack.outputs }));
    const lines: string[] = [];
    await runUsers(['list', '--outputs', nested], (line) => lines.push(line), {});
    expect(lines.at(-1)).toContain(stack.outputs.UserPoolId);
  });

  it('refuses bad usage and a stack that is not running, naming what to do', async () => {
    await expect(users(['frobnicate', 'x'])).rejects.toThrow(/unknown command/);
    await expect(users(['add'])).rejects.toThrow(UsageError);
    await expect(users(['list', '--password', 'x'])).rejects.toThrow(UsageError);
    const lonely = await mkdtemp(join(tmpdir(), 'user-files-users-nokeys-'));
    try {
      await writeFile(join(lonely, 'outputs.json'), JSON.stringify(stack.outputs));
      await expect(
        runUsers(['list', '--outputs', join(lonely, 'outputs.json')], () => undefined, {}),
      ).rejects.toThrow(/no local stack is running.*npm start/);
    } finally {
      await rm(lonely, { recursive: true, force: true });
    }
  });
});

/** A group's usage item, read with the stack's admin keys. */
async function usageItem(owner: string) {
  const dynamo = new DynamoDBClient({
    region: stack.outputs.Region,
    endpoint: stack.outputs.DynamoDbEndpoint,
    credentials: stack.adminCredentials,
  });
  try {
    const output = await dynamo.send(
      new GetItemCommand({
        TableName: stack.outputs.LedgerTable,
        Key: { pk: { S: owner }, sk: { S: USAGE_SK } },
      }),
    );
    return output.Item;
  } finally {
    dynamo.destroy();
  }
}

describe('npm run users -- quota (local stack, sealed)', () => {
  it("sets a user's override by username before their first sign-in; the API then enforces it", async () => {
    const password = 'Quota-Passw0rd-for-Erin';
    await users(['add', 'erin@example.com'], { USERS_PASSWORD: password });
    const [line] = await users(['quota', 'erin@example.com', '--bytes', '500']);
    const identityId = /^erin@example\.com \((\S+)\): override bytes: 500, objects: as deployed/.exec(
      line ?? '',
    )?.[1];
    expect(identityId).toBeDefined();

    const erin = await signInSession(targetOf(stack), { username: 'erin@example.com', password });
    expect(erin.identityId).toBe(identityId);
    expect((await erin.api.GET('/me')).data?.quota).toEqual({ bytes: 500 });
    const refused = await erin.api.POST('/files/uploads', {
      body: { level: 'private', key: 'big.bin', contentType: 'application/octet-stream', size: 600 },
    });
    expect(refused.response.status).toBe(403);
    expect((refused.error as { code?: string } | undefined)?.code).toBe('quota_exceeded');

    expect(await users(['quota', 'erin@example.com'])).toEqual([
      `erin@example.com (${identityId}): override bytes: 500, objects: as deployed; stored 0 bytes in 0 object(s)`,
    ]);
    await users(['quota', 'erin@example.com', '--clear']);
    expect((await erin.api.GET('/me')).data?.quota).toEqual({});
  });

  it('names a user the pool does not have, and keys the developer login needs', async () => {
    await expect(users(['quota', 'nobody@example.com', '--bytes', '1'])).rejects.toThrow(
      /User does not exist/,
    );
    const old = await mkdtemp(join(tmpdir(), 'user-files-users-nodev-'));
    try {
      await writeFile(join(old, 'outputs.json'), JSON.stringify(stack.outputs));
      await writeAdminKeys(join(old, ADMIN_KEYS_FILE_NAME), stack.adminCredentials);
      await expect(
        runUsers(['quota', 'erin@example.com', '--outputs', join(old, 'outputs.json')], () => undefined, {}),
      ).rejects.toThrow(/holds no developer keys: restart the local stack/);
    } finally {
      await rm(old, { recursive: true, force: true });
    }
  });
});

describe('npm run users -- group (local stack)', () => {
  it('creates a group, adds and lists members, removes them, and deletes it', async () => {
    const [demo] = stack.outputs.DemoUsers;
    if (demo === undefined) throw new Error('a demo user expected');
    expect(await users(['group', 'create', 'design'])).toEqual([
      `created group design in ${stack.outputs.UserPoolId}; its folder is groups/design/`,
    ]);
    expect(await users(['group', 'list'])).toContain('design');
    await users(['group', 'add', 'design', demo.username]);
    const members = await users(['group', 'members', 'design']);
    expect(members.some((line) => line.startsWith(demo.username))).toBe(true);
    expect(members.at(-1)).toBe('1 member(s) of design');
    await users(['group', 'remove', 'design', demo.username]);
    expect((await users(['group', 'members', 'design'])).at(-1)).toBe('0 member(s) of design');
    await users(['group', 'delete', 'design']);
    expect(await users(['group', 'list'])).not.toContain('design');
  });

  it("sets a group's override on its partition groups/{group}, only for a group the pool has", async () => {
    await users(['group', 'create', 'ops']);
    await users(['group', 'quota', 'ops', '--bytes', '100', '--objects', '3']);
    expect(await usageItem('groups/ops')).toMatchObject({
      quotaBytes: { N: '100' },
      quotaObjects: { N: '3' },
    });
    expect(await users(['group', 'quota', 'ops'])).toEqual([
      'group ops (groups/ops): override bytes: 100, objects: 3; stored 0 bytes in 0 object(s)',
    ]);
    await users(['group', 'quota', 'ops', '--clear']);
    expect(await usageItem('groups/ops')).not.toHaveProperty('quotaBytes');
    await expect(users(['group', 'quota', 'nosuch', '--bytes', '1'])).rejects.toThrow(
      `${stack.outputs.UserPoolId} has no group nosuch: create it with npm run users -- group create nosuch`,
    );
    await expect(users(['group', 'add', 'nosuch', 'erin@example.com'])).rejects.toThrow(
      /has no group nosuch/,
    );
    expect(await usageItem('groups/nosuch')).toBeUndefined();
  });
});
