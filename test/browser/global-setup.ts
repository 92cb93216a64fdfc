/**
 * One local stack and one console server for the whole browser project, in a child process (see
 * support/stack-process.ts for why), stopped afterwards. The console is built into a fresh
 * directory (never `.local/console`, which a running `npm start` serves) and listens on a free
 * port; the stack's CORS allows exactly its origin.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import type { StackMessage } from './support/stack-process';
import type { ConsoleTarget } from './support/target';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  if (child.connected) child.send('stop');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const workDir = await mkdtemp(join(tmpdir(), 'user-files-console-'));
  // A file beside the build, which no request path may reach (console-server.test.ts).
  await writeFile(join(workDir, 'outside.txt'), 'not part of the console\n');
  const child = fork(join(HERE, 'support', 'stack-process.ts'), [], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, CONSOLE_WORK_DIR: workDir, NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const stop = async () => {
    await stopChild(child);
    await rm(workDir, { recursive: true, force: true });
  };
  try {
    const target = await new Promise<ConsoleTarget>((resolve, reject) => {
      child.once('message', (message: StackMessage) => {
        if (message.type === 'ready') resolve(message.target);
        else reject(new Error(`the browser project's stack failed to start: ${message.message}`));
      });
      child.once('exit', (code, signal) =>
        reject(new Error(`the browser project's stack exited (${signal ?? code}) before it was ready`)),
      );
    });
    project.provide('consoleTarget', target);
  } catch (error) {
    await stop();
    throw error;
  }
  return stop;
}
