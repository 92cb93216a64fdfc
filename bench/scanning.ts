/**
 * Malware scanning on the local stack, in its own process (`bench/scanning-run.ts`: a process serves
 * one local stack), with the scanner waiting `delayMs` after each write:
 *   - `scan_to_clean_ms`: small files uploaded one after another through the API's presigned PUT;
 *     for each, the time from the PUT's 200 to the first `POST /files/downloads` that answers OK,
 *     polled every `pollMs` (409 `scan_pending` until then; those answers are counted, and every
 *     poll's round trip: the figure includes the last one). After one uncounted warm-up upload.
 *     Median and p90.
 *   - `eicar_served`: the EICAR test file uploaded, then `POST /files/downloads` polled over its
 *     whole life, until the events function has removed it (404): every OK answer counts. Goal 0.
 * The local scanner is GuardDuty's stand-in: these are the pipeline's own costs (write event,
 * scanner read, tag, events queue), not GuardDuty's latency. Prints one JSON object.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_SCAN_DELAY_MS, EICAR } from '../local/scanner/scanner';
import { startLocalStack } from '../local/stack/local-stack';
import { createFilesClient, type FilesClient } from '../shared/api/client';
import { send } from '../test/e2e/support/storage';
import type { ScanningFigures, ScanningJob } from './scanning-run';
import { summarize } from './stats';
import { signIn } from './users';

/** A poll gives up after this long: the scan or the removal never came. */
const DEADLINE_MS = 60_000;

const job = JSON.parse(process.env.BENCH_SCANNING ?? '{}') as Partial<ScanningJob>;
const delayMs = job.delayMs ?? DEFAULT_SCAN_DELAY_MS;
const uploads = job.uploads ?? 20;
const pollMs = job.pollMs ?? 10;
const log = (message: string) => process.stderr.write(`bench: scanning: ${message}\n`);

/** Uploads `text` at `key` (private) through the API's presigned PUT; when its 200 arrived. */
async function upload(api: FilesClient, key: string, text: string): Promise<number> {
  const body = new TextEncoder().encode(text);
  const created = await api.POST('/files/uploads', {
    body: { level: 'private', key, contentType: 'text/plain', size: body.length },
  });
  if (!created.data) throw new Error(`upload URL: ${created.response.status}`);
  const response = await send(created.data, { body });
  const at = performance.now();
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`PUT answered ${response.status}`);
  return at;
}

interface Polled {
  /** When the awaited status arrived. */
  readonly at: number;
  /** Answers by status, the awaited one included. */
  readonly statuses: Readonly<Record<number, number>>;
  /** Each poll's round trip, ms. */
  readonly roundTrips: readonly number[];
}

/**
 * `POST /files/downloads` for `key`, a poll every `pollMs` (start to start), until it answers
 * `until`. Only 409 (pending or blocked) and 201 are expected on the way; anything else throws.
 */
async function pollDownload(api: FilesClient, key: string, until: number): Promise<Polled> {
  const statuses: Record<number, number> = {};
  const roundTrips: number[] = [];
  const deadline = performance.now() + DEADLINE_MS;
  for (;;) {
    const started = performance.now();
    const { status } = (await api.POST('/files/downloads', { body: { level: 'private', key } })).response;
    const at = performance.now();
    statuses[status] = (statuses[status] ?? 0) + 1;
    roundTrips.push(at - started);
    if (status === until) return { at, statuses, roundTrips };
    if (status !== 409 && status !== 201) throw new Error(`download answered ${status}`);
    if (started > deadline)
      throw new Error(`no ${until} after ${DEADLINE_MS} ms: ${JSON.stringify(statuses)}`);
    await sleep(Math.max(0, pollMs - (performance.now() - started)));
  }
}

/** One clean file: ms from its PUT's 200 to downloadable, and the pending answers before. */
async function scanToClean(api: FilesClient, key: string) {
  const putAt = await upload(api, key, `bench scan ${key}\n`.repeat(32));
  const polled = await pollDownload(api, key, 201);
  return { ms: polled.at - putAt, pending: polled.statuses[409] ?? 0, roundTrips: polled.roundTrips };
}

/** The EICAR file over its whole life: OK answers (0 expected) and ms until removed. */
async function eicarLifetime(api: FilesClient, key: string) {
  const putAt = await upload(api, key, EICAR);
  // Gone (404) only once the events function deleted it on the scan's THREATS_FOUND.
  const polled = await pollDownload(api, key, 404);
  return { served: polled.statuses[201] ?? 0, removedMs: polled.at - putAt };
}

// The API's per-user request limit off: a poll every 10 ms is the bench's pace, not a user's.
const stack = await startLocalStack({
  quiet: true,
  malwareScanning: {},
  scanDelayMs: delayMs,
  userRateLimit: false,
});
try {
  const { outputs } = stack;
  const [user] = await signIn(outputs, outputs.DemoUsers);
  if (!user) throw new Error('a demo user expected');
  const api = createFilesClient({ baseUrl: outputs.ApiUrl, getIdToken: () => user.idToken });
  // Warm-up, not counted: JIT, the API's identity and credential caches, the scanner's client.
  await scanToClean(api, 'bench/scan/warm.txt');
  const runs: Awaited<ReturnType<typeof scanToClean>>[] = [];
  for (let i = 0; i < uploads; i++) runs.push(await scanToClean(api, `bench/scan/file-${i}.txt`));
  const eicar = await eicarLifetime(api, 'bench/scan/eicar.txt');
  const clean = summarize(runs.map((run) => run.ms));
  log(`delay ${delayMs} ms: ${clean.median.toFixed(0)} ms median, EICAR served ${eicar.served} times`);
  const figures: ScanningFigures = {
    scan_delay_ms: delayMs,
    uploads,
    scan_to_clean_ms: clean.median,
    scan_to_clean_p90_ms: clean.p90,
    scan_pending_polls: summarize(runs.map((run) => run.pending)).median,
    scan_poll_ms: summarize(runs.flatMap((run) => run.roundTrips)).median,
    eicar_served: eicar.served,
    eicar_removed_ms: eicar.removedMs,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
} finally {
  await stack.stop();
}
