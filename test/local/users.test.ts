/**
 * `npm run users` against a real local stack: users it adds can sign in, users it removes cannot,
 * and without the running stack's admin keys it does nothing.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEYS_FILE_NAME, writeAdminKeys } from '../../local/stack/admin-keys';
import { type LocalStack, startLocalStack } from '../../local/stack/local-stack';
import { runUsers, UsageError } from '../../scripts/users';
import { localAppClient, signInWithPassword } from '../support/sign-in';

let stack: LocalStack;
let dir: string;
let outputsFile: string;

beforeAll(async () => {
  stack = await startLocalStack({ quiet: true, api: false });
  dir = await mkdtemp(join(tmpdir(), 'user-files-users-'));
  outputsFile = join(dir, 'outputs.json');
  await writeFile(outputsFile, JSON.stringify(stack.outputs));
  await writeAdminKeys(join(dir, ADMIN_KEYS_FILE_NAME), stack.adminCredentials);
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
