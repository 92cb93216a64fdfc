/**
 * The launcher's Python process: spawned in its own process group, its output drained with only a
 * short tail kept, killed if this process exits first, and stopped with a grace period.
 */
import { type ChildProcess, spawn } from 'node:child_process';

const OUTPUT_TAIL_BYTES = 4096;
const STOP_GRACE_MS = 3000;

export interface LauncherProcess {
  /** The last few KB of stderr, then stdout: enough to explain a failed start. */
  output(): string;
  /** The tail of stderr once the process has closed it (its exit can come before its last words). */
  finalStderr(): Promise<string>;
  /** The spawn error, or the exit code once it exits. */
  readonly ended: Promise<Error | number | null>;
  /** Stops it and anything it started; safe to call more than once. */
  stop(): Promise<void>;
}

export function spawnLauncher(python: string, args: readonly string[]): LauncherProcess {
  const child = spawn(python, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  // moto logs every request; keep draining so it never blocks, but keep only a short tail.
  const stdout = tail(child.stdout);
  const stderr = tail(child.stderr);
  // A crashed test run must not leave moto behind.
  const killOnExit = () => signalGroup(child, 'SIGKILL');
  process.once('exit', killOnExit);
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stopping: Promise<void> | undefined;
  return {
    output: () => [stderr(), stdout()].filter(Boolean).join('\n'),
    finalStderr: async () => {
      if (!child.stderr?.closed) await new Promise((resolve) => child.stderr?.once('close', resolve));
      return stderr();
    },
    ended: Promise.race([spawnError, exit]),
    stop: () => {
      process.off('exit', killOnExit);
      stopping ??= stopGroup(child, exit);
      return stopping;
    },
  };
}

async function stopGroup(child: ChildProcess, exit: Promise<unknown>): Promise<void> {
  if (child.pid === undefined || exited(child)) return;
  signalGroup(child, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), STOP_GRACE_MS);
  await exit;
  clearTimeout(timer);
}

/** Keeps the last few KB of a child's output: enough to explain a failed start, bounded in memory. */
function tail(stream: NodeJS.ReadableStream | null): () => string {
  let text = '';
  stream?.on('data', (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-OUTPUT_TAIL_BYTES);
  });
  return () => text.trim();
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || exited(child)) return;
  try {
    // moto runs in its own process group (detached), so this reaches anything it started too.
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}
