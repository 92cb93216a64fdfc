/**
 * Runs `moto_server` (Python moto 5) on loopback: the local user pool (cognito-idp) and the object
 * storage behind the S3 gateway. Its own auth stays off (DESIGN section 5): the gateway in front of
 * it is what enforces SigV4 and the role policy.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { assertPortFree, freePort, LOOPBACK, PortInUseError } from './ports';

export const MOTO_INSTALL_HINT = 'pip install "moto[server]"';

/** `moto_server` is not on PATH (or not installed for the active Python). */
export class MotoNotInstalledError extends Error {
  constructor(detail: string) {
    super(
      `moto_server was not found (${detail}). The local stack needs Python moto 5 with its server: ` +
        `install it with \`${MOTO_INSTALL_HINT}\` (Python 3.9 or newer) and make sure \`moto_server\` is on PATH.`,
    );
    this.name = 'MotoNotInstalledError';
  }
}

export interface MotoOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** A fixed port (checked to be free first); omitted or 0: a free port. */
  readonly port?: number;
  /** @default 20000 */
  readonly readyTimeoutMs?: number;
  /** @default 'moto_server' (resolved on PATH) */
  readonly command?: string;
}

export interface MotoServer {
  /** Base URL, e.g. `http://127.0.0.1:5000`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Stops moto and its children; safe to call more than once. */
  close(): Promise<void>;
}

const OUTPUT_TAIL_BYTES = 4096;
const STOP_GRACE_MS = 3000;

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

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/moto-api/`, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

export async function startMoto(options: MotoOptions = {}): Promise<MotoServer> {
  const host = options.host ?? LOOPBACK;
  const command = options.command ?? 'moto_server';
  const readyTimeoutMs = options.readyTimeoutMs ?? 20_000;
  let port: number;
  if (options.port) {
    await assertPortFree(options.port, host, 'moto_server');
    port = options.port;
  } else {
    port = await freePort(host);
  }
  const url = `http://${host}:${port}`;

  const child = spawn(command, ['-H', host, '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  // moto logs every request; keep draining so it never blocks, but keep only a short tail.
  const stdout = tail(child.stdout);
  const stderr = tail(child.stderr);
  const output = () => [stderr(), stdout()].filter(Boolean).join('\n');

  // A crashed test run must not leave moto behind.
  const killOnExit = () => signalGroup(child, 'SIGKILL');
  process.once('exit', killOnExit);

  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const close = async (): Promise<void> => {
    process.off('exit', killOnExit);
    if (child.pid === undefined || exited(child)) return;
    signalGroup(child, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), STOP_GRACE_MS);
    await exit;
    clearTimeout(timer);
  };

  const failure = async (): Promise<Error> => {
    const raced = await Promise.race([spawnError, exit.then((code) => code)]);
    if (raced instanceof Error) {
      const code = (raced as NodeJS.ErrnoException).code;
      return code === 'ENOENT'
        ? new MotoNotInstalledError(`\`${command}\` is not on PATH`)
        : new Error(`could not start ${command}: ${raced.message}`);
    }
    const text = output();
    if (/address already in use/i.test(text)) return new PortInUseError(host, port, 'moto_server');
    // pyenv and similar shims exit 127 when the active Python has no moto_server.
    if (raced === 127 || /command not found/i.test(text))
      return new MotoNotInstalledError(text || 'exit 127');
    return new Error(`moto_server exited with code ${raced} before it was ready:\n${text}`);
  };

  const deadline = Date.now() + readyTimeoutMs;
  let dead = false;
  const died = failure().then((error) => {
    dead = true;
    return error;
  });
  while (!dead) {
    if (await answers(url)) {
      return { url, host, port, close };
    }
    if (Date.now() > deadline) {
      await close();
      throw new Error(`moto_server did not answer on ${url} within ${readyTimeoutMs} ms:\n${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await close();
  throw await died;
}
