/**
 * `npm run load [-- --seconds N] [-- --concurrency N] [-- --users N]`: a bounded soak of the local
 * stack. Starts the stack on free loopback ports, creates users in its user pool, and runs
 * bench/soak-driver.ts in a second process (list, upload URL + PUT, download URL + GET with SHA-256
 * check, delete, across users and levels, then an audit of every acknowledged object). This
 * process hosts the stack (API adapter, handler, identity service, S3 gateway), so its memory is
 * the one watched. Exits 1 on any 5xx, any lost, corrupted or resurrected object, any other
 * unexpected answer, or heap growth past HEAP_GROWTH_LIMIT.
 */
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startLocalStack } from '../local/stack/local-stack';
import { runChild } from './child';
import type { SoakResult } from './soak-driver';
import { MiB, round, table } from './stats';
import { createUsers, signIn } from './users';

/**
 * How much the live heap (after a full GC) may grow between the end of the warm-up and the end of
 * the run. Everything the stack keeps is bounded, and with a fixed set of users most of it fills
 * during warm-up: the handler's identity, credential and S3-client caches (one entry per user), the
 * identity service's verifiers, the credential store. The one bounded store that keeps filling is
 * the local policy engine's decision cache (at most 10,000 entries; each request's context holds
 * its timestamps, so today every entry is new, about 1.5 KiB each: up to ~15 MiB). Add a few MiB of
 * noise (lazily compiled code, socket and parser pools) and a healthy run stays under 32 MiB however
 * long it lasts, while a leak grows with the request count: 2 KiB per request crosses the limit in
 * a default 60 s run (about 15,000 requests), and longer runs (`--seconds 300`) catch smaller leaks.
 */
const HEAP_GROWTH_LIMIT = 32 * MiB;

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    concurrency: { type: 'string', default: '16' },
    users: { type: 'string', default: '20' },
  },
  strict: true,
});

function positive(name: string, raw: string | undefined, max: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new Error(`--${name} must be a whole number from 1 to ${max}`);
  }
  return value;
}

// The ID tokens live an hour; the soak stays well inside that.
const seconds = positive('seconds', args.seconds, 1800);
const concurrency = positive('concurrency', args.concurrency, 128);
const userCount = positive('users', args.users, 200);

// A full GC before each memory reading, so the figures are live memory, not garbage.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

interface Memory {
  readonly rss: number;
  readonly heapUsed: number;
}

function liveMemory(): Memory {
  gc();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

const progress = (message: string) => process.stderr.write(`load: ${message}\n`);
const mib = (bytes: number) => `${round(bytes / MiB)} MiB`;

/** Memory over the run: peak RSS, the live heap every 10 s, and the live heap after warm-up. */
function watchMemory(atStart: Memory) {
  let peakRss = atStart.rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 500);
  // Live heap every 10 s: the trend shows whether growth levels off.
  const heapTrend: number[] = [];
  const trendTimer = setInterval(() => heapTrend.push(liveMemory().heapUsed), 10_000);
  // The baseline for growth: once every user has been served a while (caches full, code compiled).
  let afterWarmup: Memory | undefined;
  const warmupMs = Math.min(10_000, (seconds * 1000) / 4);
  const warmupTimer = setTimeout(() => {
    afterWarmup = liveMemory();
  }, warmupMs);
  return {
    stop() {
      clearInterval(sampler);
      clearInterval(trendTimer);
      clearTimeout(warmupTimer);
    },
    figures: () => ({ peakRss, heapTrend, baseline: afterWarmup ?? atStart }),
  };
}

interface MemoryFigures {
  readonly atStart: Memory;
  readonly atEnd: Memory;
  readonly baseline: Memory;
  readonly peakRss: number;
  readonly heapTrend: readonly number[];
  readonly heapGrowth: number;
}

/** Answers other than the expected ones, by status, summed. */
const unexpectedOf = (result: SoakResult) =>
  Object.values(result.errorsByStatus).reduce((sum, count) => sum + count, 0);

function soakRows(result: SoakResult, users: number, memory: MemoryFigures): string[][] {
  const unexpected = unexpectedOf(result);
  const served = result.apiRequests + result.storageRequests;
  const { atStart, atEnd, baseline, peakRss, heapTrend, heapGrowth } = memory;
  return [
    ['duration', `${round(result.seconds)} s + audit, ${concurrency} workers, ${users} users`],
    ['requests served', `${served} (${result.apiRequests} API, ${result.storageRequests} storage)`],
    ['throughput', `${round(served / result.seconds)} req/s`],
    ['operations', JSON.stringify(result.operations)],
    ['errors by status', unexpected === 0 ? 'none' : JSON.stringify(result.errorsByStatus)],
    ['5xx / network errors', `${result.serverErrors} / ${result.networkErrors}`],
    ['lost / corrupted / resurrected', `${result.lost} / ${result.corrupted} / ${result.resurrected}`],
    ['objects audited', String(result.audited)],
    [
      'API latency p50 / p99 / max',
      `${round(result.api.p50_ms)} / ${round(result.api.p99_ms)} / ${round(result.api.max_ms)} ms`,
    ],
    [
      'storage latency p50 / p99 / max',
      `${round(result.storage.p50_ms)} / ${round(result.storage.p99_ms)} / ${round(result.storage.max_ms)} ms`,
    ],
    ['RSS start / end / peak', `${mib(atStart.rss)} / ${mib(atEnd.rss)} / ${mib(peakRss)}`],
    [
      'heap start / after warm-up / end',
      `${mib(atStart.heapUsed)} / ${mib(baseline.heapUsed)} / ${mib(atEnd.heapUsed)}`,
    ],
    ['live heap every 10 s', `${heapTrend.map((bytes) => round(bytes / MiB)).join(', ')} MiB`],
    ['heap growth after warm-up', `${mib(heapGrowth)} (limit ${mib(HEAP_GROWTH_LIMIT)})`],
  ];
}

function failuresOf(result: SoakResult, heapGrowth: number): string[] {
  const unexpected = unexpectedOf(result);
  const served = result.apiRequests + result.storageRequests;
  return [
    result.serverErrors > 0 && `${result.serverErrors} server errors (5xx)`,
    result.lost > 0 && `${result.lost} lost objects`,
    result.corrupted > 0 && `${result.corrupted} corrupted or unexpected objects`,
    result.resurrected > 0 && `${result.resurrected} deleted objects still present`,
    unexpected > 0 && `${unexpected} unexpected answers`,
    result.networkErrors > 0 && `${result.networkErrors} network errors`,
    heapGrowth > HEAP_GROWTH_LIMIT && `heap grew ${mib(heapGrowth)} after warm-up`,
    result.audited === 0 && served === 0 && 'nothing was served',
  ].filter((failure): failure is string => typeof failure === 'string');
}

async function main(): Promise<number> {
  progress('starting the local stack...');
  const stack = await startLocalStack({ quiet: true });
  try {
    const { outputs } = stack;
    progress(`creating ${userCount} users...`);
    const users = await signIn(outputs, await createUsers(stack, userCount));
    const atStart = liveMemory();
    const watch = watchMemory(atStart);

    progress(`soak: ${concurrency} workers, ${users.length} users, ${seconds} s, then an audit...`);
    let result: SoakResult;
    try {
      result = await runChild<SoakResult>({
        script: 'bench/soak-driver.ts',
        env: {
          BENCH_SOAK: JSON.stringify({
            apiUrl: outputs.ApiUrl,
            tokens: users.map((user) => user.idToken),
            seconds,
            concurrency,
          }),
        },
        timeoutMs: (seconds + 300) * 1000,
      });
    } finally {
      watch.stop();
    }
    const atEnd = liveMemory();
    const watched = watch.figures();
    const heapGrowth = atEnd.heapUsed - watched.baseline.heapUsed;

    console.log('');
    console.log(
      table(['soak', 'value'], soakRows(result, users.length, { atStart, atEnd, heapGrowth, ...watched })),
    );
    for (const line of result.problems) console.log(`  problem: ${line}`);

    const failures = failuresOf(result, heapGrowth);
    console.log('');
    console.log(failures.length === 0 ? 'load: PASS' : `load: FAIL: ${failures.join('; ')}`);
    return failures.length === 0 ? 0 : 1;
  } finally {
    await stack.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('load failed:', error);
    process.exit(1);
  },
);
