/**
 * `npm start` leaves nothing behind, however it ends: each case starts the real command (npm, the
 * shell it runs, tsx, the stack's Node process, moto) on free ports, ends it one way, and checks
 * that every process of the tree is gone. Linux: the tree is read from /proc.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { readProcessStat } from '../../../local/stack/lifetime';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const READY = /local stack ready/;

interface Member {
  readonly pid: number;
  readonly startTime: string;
  readonly command: string;
}

async function commandLine(pid: number): Promise<string> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replaceAll('\0', ' ').trim();
  } catch {
    return '';
  }
}

/** Every live process below `root` (and `root` itself). */
async function tree(root: number): Promise<Member[]> {
  const children = new Map<number, number[]>();
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = readProcessStat(pid);
    if (stat === undefined || stat.state === 'Z') continue;
    children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid]);
  }
  const members: Member[] = [];
  const queue = [root];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    const stat = readProcessStat(pid);
    if (stat !== undefined && stat.state !== 'Z') {
      members.push({ pid, startTime: stat.startTime, command: await commandLine(pid) });
    }
    queue.push(...(children.get(pid) ?? []));
  }
  return members;
}

function alive(member: Member): boolean {
  const stat = readProcessStat(member.pid);
  return stat !== undefined && stat.state !== 'Z' && stat.startTime === member.startTime;
}

interface Started {
  readonly npm: ChildProcess;
  readonly members: Member[];
  readonly output: () => string;
  readonly stateDir: string;
}

const started: Started[] = [];

/** `npm start` as a terminal runs it: its own process group (the job), every port free. */
async function startNpm(): Promise<Started> {
  const stateDir = await mkdtemp(join(tmpdir(), 'user-files-lifetime-'));
  const npm = spawn('npm', ['start'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PORT: '0',
      LOCAL_COGNITO_IDP_PORT: '0',
      LOCAL_COGNITO_IDENTITY_PORT: '0',
      LOCAL_S3_PORT: '0',
      LOCAL_DYNAMODB_PORT: '0',
      LOCAL_KMS_PORT: '0',
      LOCAL_STATE_DIR: stateDir,
    },
  });
  let text = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready in 25 s:\n${text}`)), 25_000);
    const read = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (READY.test(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    npm.stdout?.on('data', read);
    npm.stderr?.on('data', read);
    npm.once('exit', () => reject(new Error(`npm start exited before it was ready:\n${text}`)));
  });
  const entry: Started = { npm, members: [], output: () => text, stateDir };
  started.push(entry);
  await ready;
  if (npm.pid === undefined) throw new Error('npm start has no pid');
  entry.members.push(...(await tree(npm.pid)));
  return entry;
}

async function allGone(members: readonly Member[], withinMs: number): Promise<Member[]> {
  const deadline = Date.now() + withinMs;
  let left = members.filter(alive);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = left.filter(alive);
  }
  return left;
}

afterEach(async () => {
  for (const entry of started.splice(0)) {
    for (const member of entry.members.filter(alive)) process.kill(member.pid, 'SIGKILL');
    await rm(entry.stateDir, { recursive: true, force: true });
  }
});

const byCommand = (members: readonly Member[], pattern: RegExp): Member => {
  const found = members.find((member) => pattern.test(member.command));
  if (!found) throw new Error(`no process matches ${pattern}: ${members.map((m) => m.command).join(' | ')}`);
  return found;
};

describe.runIf(process.platform === 'linux')('npm start ends with everything it started', () => {
  it('starts on Node 24 without SDK warnings, prints the console first and scratch-directory calls, and dies with Ctrl-C', {
    timeout: 45_000,
  }, async () => {
    const { npm, members, output } = await startNpm();
    // npm, the stack's Node process and moto at least.
    expect(members.length).toBeGreaterThanOrEqual(3);
    byCommand(members, /launcher\.py/);
    expect(output()).not.toMatch(/NodeVersionSupportWarning|NodeDeprecationWarning/);
    // The example calls write files: only after moving to a scratch directory.
    const text = output();
    // The console first, then the endpoints, the demo users and the calls; the default mode is sealed.
    const consoleLine = text.search(/^ {2}Web console {13}http:\/\/localhost:\d+\//m);
    expect(consoleLine).toBeGreaterThan(text.indexOf('local stack ready'));
    expect(consoleLine).toBeLessThan(text.indexOf('Endpoints, and who may call them:'));
    expect(text.indexOf('Endpoints, and who may call them:')).toBeLessThan(text.indexOf('Demo users'));
    expect(text.indexOf('Demo users')).toBeLessThan(text.indexOf('Try the API'));
    expect(text).toContain('Access mode             sealed: storage only through the API');
    expect(text).toContain('user ID tokens are refused (GetId, GetCredentialsForIdentity, GetOpenIdToken)');
    expect(text).not.toContain('anyone with a valid ID token of this pool; credentials bound');
    const scratch = text.indexOf('cd "$(mktemp -d)"');
    expect(scratch).toBeGreaterThan(0);
    expect(scratch).toBeLessThan(text.indexOf('> hello.txt'));

    process.kill(-(npm.pid as number), 'SIGINT');
    expect(await allGone(members, 8_000)).toEqual([]);
  });

  it.each([
    ['SIGTERM to npm', 'npm', 'SIGTERM'],
    ['SIGHUP to the whole job (the terminal closed)', 'group', 'SIGHUP'],
    ['SIGHUP to npm alone', 'npm', 'SIGHUP'],
    ['SIGKILL to npm (nothing else is told)', 'npm', 'SIGKILL'],
    ['SIGKILL to the stack process (moto is left alone)', 'stack', 'SIGKILL'],
  ] as const)('%s', { timeout: 45_000 }, async (_name, target, signal) => {
    const { npm, members } = await startNpm();
    const pid =
      target === 'group'
        ? -(npm.pid as number)
        : target === 'npm'
          ? (npm.pid as number)
          : // The Node process that runs the stack is moto's parent.
            (readProcessStat(byCommand(members, /launcher\.py/).pid)?.ppid ?? 0);
    expect(pid).not.toBe(0);
    process.kill(pid, signal);
    expect(await allGone(members, 8_000)).toEqual([]);
  });
});
