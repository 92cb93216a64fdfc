/**
 * How long `npm start` lives: until Ctrl-C, SIGTERM or SIGHUP reaches this process, or until a
 * process of the job that started it (tsx, the shell npm runs, npm itself) is gone. Closing a
 * terminal, `kill <npm's pid>` and `kill -9` of a parent all end the stack, so nothing it started
 * keeps serving with nobody left to stop it. moto, in its own process group, watches this process
 * the same way (local/moto/launcher.py).
 */
import { readFileSync } from 'node:fs';

const ENDING_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const POLL_MS = 250;
/** A stop that hangs must not keep the process alive: moto is killed on exit anyway (local/moto/moto.ts). */
const STOP_DEADLINE_MS = 10_000;

interface ProcessStat {
  readonly pid: number;
  readonly ppid: number;
  readonly pgrp: number;
  readonly state: string;
  /** Clock ticks after boot: a reused PID has another one. */
  readonly startTime: string;
}

/** `/proc/{pid}/stat` (Linux); undefined when the process does not exist or there is no procfs. */
export function readProcessStat(pid: number): ProcessStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name is in parentheses and may itself hold spaces or parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const [state, ppid, pgrp] = fields;
  const startTime = fields[19];
  if (state === undefined || ppid === undefined || pgrp === undefined || startTime === undefined) {
    return undefined;
  }
  return { pid, ppid: Number(ppid), pgrp: Number(pgrp), state, startTime };
}

/**
 * The processes whose death ends this one: the parent, then each further ancestor while it is in
 * this process's group, that is the job a shell started (npm and what it runs), not the shell.
 */
function watchedAncestors(): ProcessStat[] {
  const own = readProcessStat(process.pid);
  if (own === undefined) return [];
  const chain: ProcessStat[] = [];
  let next = own.ppid;
  while (next > 1) {
    const stat = readProcessStat(next);
    if (stat === undefined) break;
    chain.push(stat);
    if (stat.pgrp !== own.pgrp) break;
    next = stat.ppid;
  }
  return chain;
}

function gone(watched: ProcessStat): boolean {
  const now = readProcessStat(watched.pid);
  return now === undefined || now.state === 'Z' || now.startTime !== watched.startTime;
}

export interface LifetimeOptions {
  /** @default console.log */
  readonly log?: (line: string) => void;
  /** @default 250 */
  readonly pollMs?: number;
}

/**
 * Ends the process (exit 0, or 1 when `stop` fails) after `stop` once a signal arrives or the job
 * that started it is gone. A second signal exits at once.
 */
export function endWithParent(stop: () => Promise<void>, options: LifetimeOptions = {}): void {
  const log = options.log ?? ((line: string) => console.log(line));
  // With the terminal closed, writing to it fails (EIO, EPIPE): that must not crash the stop.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

  let ending = false;
  const end = (reason: string, code: number) => {
    if (ending) {
      process.exit(code);
    }
    ending = true;
    clearInterval(poll);
    log(`\n${reason}: stopping the local stack...`);
    setTimeout(() => process.exit(1), STOP_DEADLINE_MS).unref();
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error instanceof Error ? error.message : error);
        process.exit(1);
      },
    );
  };
  for (const signal of ENDING_SIGNALS) process.on(signal, () => end(signal, 130));

  const parent = process.ppid;
  const ancestors = watchedAncestors();
  const poll = setInterval(() => {
    // process.ppid is live: when the parent dies, this process is handed to init or a subreaper.
    if (process.ppid !== parent || ancestors.some(gone)) end('the process that started it is gone', 1);
  }, options.pollMs ?? POLL_MS);
  poll.unref();
}
