/**
 * Runs `moto_server` (Python moto, exactly the version in `version.txt`): the local user pool
 * (cognito-idp), the identity directory, ledger and sessions tables, the session key (KMS) and the
 * object storage. moto checks no signatures, so it listens on a Unix socket in a private (0700)
 * directory and never on TCP: callers reach it only through the stack's front doors (the user-pool,
 * DynamoDB and KMS doors, the S3 gateway), which check them as AWS does.
 *
 * moto is started through `launcher.py`, which swaps the token-signing key moto ships in its
 * package (public, so anyone could mint accepted tokens) for a key generated here, at every start.
 */
import type { KeyObject } from 'node:crypto';
import { accessSync, constants, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LauncherProcess, spawnLauncher } from './launcher-process';
import { writeSigningKey } from './signing-key';
import { MOTO_INSTALL_HINT, MOTO_VERSION } from './version';

export { MOTO_INSTALL_HINT, MOTO_VERSION } from './version';

const LAUNCHER = join(dirname(fileURLToPath(import.meta.url)), 'launcher.py');

/**
 * The moto the local stack needs is not there: `moto_server` is not on PATH, its Python has no
 * moto, or another version than `version.txt` names (the launcher's message says which).
 */
export class MotoNotInstalledError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MotoNotInstalledError';
  }
}

function motoNotFound(detail: string): MotoNotInstalledError {
  return new MotoNotInstalledError(
    `moto_server was not found (${detail}). The local stack needs Python moto ${MOTO_VERSION} with its server: ` +
      `install it with \`${MOTO_INSTALL_HINT}\` (Python 3.9 or newer) and make sure \`moto_server\` is on PATH.`,
  );
}

export interface MotoOptions {
  /** @default 20000 */
  readonly readyTimeoutMs?: number;
  /** The moto_server whose Python runs the launcher. @default 'moto_server' (resolved on PATH) */
  readonly command?: string;
}

export interface MotoServer {
  /** The Unix socket moto listens on, inside a directory only this user can enter. */
  readonly socketPath: string;
  /** Connects every request to the socket, whatever host the request names (http and SDK clients). */
  readonly agent: Agent;
  /** The key moto signs user-pool tokens with (RS256), generated at this start. */
  readonly signingKey: KeyObject;
  readonly signingKeyId: string;
  /** Stops moto and its children and removes the socket directory; safe to call more than once. */
  close(): Promise<void>;
}

/** The launcher's exit code when its Python cannot import moto. */
const NOT_INSTALLED_EXIT = 127;
/** The launcher's exit code when its moto is not the version in `version.txt`. */
const WRONG_VERSION_EXIT = 3;

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The Python that has moto: the interpreter named in `moto_server`'s shebang (pip writes its own
 * Python there), else the `python3` beside it (pyenv shims, venv bin directories).
 */
export function motoPython(command = 'moto_server'): string {
  const candidates = command.includes('/')
    ? [command]
    : (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir || '.', command));
  const found = candidates.find(executable);
  if (!found) throw motoNotFound(`\`${command}\` is not on PATH`);
  const firstLine = readFileSync(found, 'utf8').slice(0, 512).split('\n', 1)[0] ?? '';
  const shebang = /^#!\s*(\S*python[\d.]*)\s*$/.exec(firstLine)?.[1];
  if (shebang && executable(shebang)) return shebang;
  const beside = join(dirname(found), 'python3');
  return executable(beside) ? beside : 'python3';
}

/** An http.Agent whose every connection goes to `socketPath`. */
export function unixSocketAgent(socketPath: string): Agent {
  const agent = new Agent({ keepAlive: true });
  // Agent.createConnection is Node's documented hook for where a connection goes.
  (agent as unknown as { createConnection: () => ReturnType<typeof connect> }).createConnection = () =>
    connect(socketPath);
  return agent;
}

function answers(agent: Agent): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = request({ agent, host: 'moto', path: '/moto-api/', timeout: 1000 }, (response) => {
      response.resume();
      response.on('end', () => resolve(true));
      response.on('error', () => resolve(false));
    });
    probe.on('timeout', () => probe.destroy());
    probe.on('error', () => resolve(false));
    probe.end();
  });
}

export async function startMoto(options: MotoOptions = {}): Promise<MotoServer> {
  const command = options.command ?? 'moto_server';
  const python = motoPython(command);
  // mkdtemp creates the directory 0700: only this user can reach the socket inside.
  const dir = await mkdtemp(join(tmpdir(), 'user-files-moto-'));
  const socketPath = join(dir, 'moto.sock');
  const keyFile = join(dir, 'signing-key.json');
  const key = await writeSigningKey(keyFile);
  const removeDir = () => rm(dir, { recursive: true, force: true });
  let launcher: LauncherProcess;
  try {
    // The launcher exits when this process is gone, however it ends (see launcher.py).
    launcher = spawnLauncher(python, [LAUNCHER, socketPath, keyFile, String(process.pid)]);
  } catch (error) {
    await removeDir();
    throw error;
  }
  const agent = unixSocketAgent(socketPath);
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      agent.destroy();
      await launcher.stop();
      await removeDir();
    })();
    return closing;
  };
  const died = startFailure(launcher, python, command);
  const failure = await untilReady(agent, socketPath, died, options.readyTimeoutMs ?? 20_000, launcher);
  if (failure) {
    await close();
    throw failure;
  }
  // moto has read its key; the private half need not stay on disk.
  await rm(keyFile, { force: true });
  return { socketPath, agent, ...key, close };
}

/** Why the launcher ended before moto was ready, once it has. */
async function startFailure(launcher: LauncherProcess, python: string, command: string): Promise<Error> {
  const ended = await launcher.ended;
  if (ended instanceof Error) {
    return (ended as NodeJS.ErrnoException).code === 'ENOENT'
      ? motoNotFound(`\`${python}\` (the Python of \`${command}\`) is not on PATH`)
      : new Error(`could not start ${python} ${LAUNCHER}: ${ended.message}`);
  }
  // The launcher's message names both versions and the install command; it is all it wrote.
  if (ended === WRONG_VERSION_EXIT) return new MotoNotInstalledError(await launcher.finalStderr());
  const text = launcher.output();
  // pyenv and similar shims exit 127 when the active Python has no moto; so does the launcher.
  if (ended === NOT_INSTALLED_EXIT || /command not found/i.test(text))
    return motoNotFound(text || `exit ${NOT_INSTALLED_EXIT}`);
  return new Error(`moto_server exited with code ${ended} before it was ready:\n${text}`);
}

/** Polls moto until it answers (undefined), it dies (why), or `timeoutMs` pass. */
async function untilReady(
  agent: Agent,
  socketPath: string,
  died: Promise<Error>,
  timeoutMs: number,
  launcher: Pick<LauncherProcess, 'output'>,
): Promise<Error | undefined> {
  const deadline = Date.now() + timeoutMs;
  let dead = false;
  died.then(() => {
    dead = true;
  });
  while (!dead) {
    if (await answers(agent)) return undefined;
    if (Date.now() > deadline)
      return new Error(
        `moto_server did not answer on ${socketPath} within ${timeoutMs} ms:\n${launcher.output()}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return died;
}
