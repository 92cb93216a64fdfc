/**
 * Starts `stack-process.ts` (a local stack and a console server) in a child process and waits until
 * it is ready: the browser project's global setup does it once for every file, and a file that
 * needs other deployment settings (environment variables, read as `npm start` reads them) does it
 * for itself.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StackMessage } from './stack-process';
import type { ConsoleTarget } from './target';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..', '..');

export interface StackChild {
  readonly target: ConsoleTarget;
  /** Stops the stack and the console server, and removes their work directory. */
  stop(): Promise<void>;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  if (child.connected) child.send('stop');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** `env` is added to this process's environment for the child (e.g. `DEFAULT_URL_LIFETIME_SECONDS`). */
export async function startStackChild(env: Readonly<Record<string, string>> = {}): Promise<StackChild> {
  const workDir = await mkdtemp(join(tmpdir(), 'user-files-console-'));
  // A file beside the build, which no request path may reach (console-server.test.ts).
  await writeFile(join(workDir, 'outside.txt'), 'not part of the console\n');
  const child = fork(join(HERE, 'stack-process.ts'), [], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env, CONSOLE_WORK_DIR: workDir, NODE_NO_WARNINGS: '1' },
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
        else reject(new Error(`the browser stack failed to start: ${message.message}`));
      });
      child.once('exit', (code, signal) =>
        reject(new Error(`the browser stack exited (${signal ?? code}) before it was ready`)),
      );
    });
    return { target, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
