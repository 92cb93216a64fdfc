/**
 * The client side of `npm run load`, run as a second process: `concurrency` workers, for `seconds`,
 * each doing what an app does (list a folder; ask for an upload URL and PUT real bytes with the
 * returned headers; ask for a download URL and GET the bytes back; delete), across many users and
 * all three levels. Every worker keeps a model of what it has stored (key -> SHA-256) under its own
 * prefix, so it can tell a lost object (acknowledged, then missing from a listing or a download),
 * a corrupted one (bytes differ) and one that outlived its delete. A final audit checks every object
 * the model holds. Reads its job from BENCH_SOAK (JSON) and prints one JSON line with the result.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { components } from '../shared/api/schema';
import { quantile } from './stats';

type Level = components['schemas']['Level'];
type Presigned = components['schemas']['PresignedRequest'];
type FileList = components['schemas']['FileList'];

interface Job {
  readonly apiUrl: string;
  readonly tokens: readonly string[];
  readonly seconds: number;
  readonly concurrency: number;
}

export interface SoakResult {
  readonly seconds: number;
  readonly apiRequests: number;
  readonly storageRequests: number;
  readonly operations: Record<string, number>;
  /** Unexpected statuses as `op status` -> count. */
  readonly errorsByStatus: Record<string, number>;
  readonly serverErrors: number;
  readonly networkErrors: number;
  readonly lost: number;
  readonly corrupted: number;
  /** Objects listed or downloadable after their delete was acknowledged. */
  readonly resurrected: number;
  readonly audited: number;
  readonly api: { p50_ms: number; p99_ms: number; max_ms: number };
  readonly storage: { p50_ms: number; p99_ms: number; max_ms: number };
  /** The first few problems, described without tokens or URLs. */
  readonly problems: readonly string[];
}

const LEVELS: readonly Level[] = ['private', 'protected', 'public'];
/** Objects a worker keeps per user at most: the working set stays bounded, so memory can be judged. */
const MAX_OBJECTS = 6;

const job = JSON.parse(process.env.BENCH_SOAK ?? 'null') as Job | null;
if (job === null || job.tokens.length === 0) throw new Error('BENCH_SOAK must hold the job');
if (new URL(job.apiUrl).hostname !== '127.0.0.1') throw new Error('the soak only targets loopback');
const { apiUrl, tokens } = job;

const apiLatencies: number[] = [];
const storageLatencies: number[] = [];
const operations: Record<string, number> = {};
const errorsByStatus: Record<string, number> = {};
const problems: string[] = [];
const counters = { serverErrors: 0, networkErrors: 0, lost: 0, corrupted: 0, resurrected: 0, audited: 0 };

function problem(message: string): void {
  if (problems.length < 20) problems.push(message);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64');
}

class Unexpected extends Error {}

/** One HTTP exchange, timed; an unexpected status is counted by op and status and thrown. */
async function exchange(
  kind: 'api' | 'storage',
  op: string,
  url: string,
  init: RequestInit,
  expected: number,
): Promise<Response> {
  const started = performance.now();
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  } catch (error) {
    counters.networkErrors++;
    problem(`${op}: ${error instanceof Error ? error.name : 'network error'}`);
    throw new Unexpected(op);
  }
  (kind === 'api' ? apiLatencies : storageLatencies).push(performance.now() - started);
  if (response.status !== expected) {
    const body = await response.text();
    errorsByStatus[`${op} ${response.status}`] = (errorsByStatus[`${op} ${response.status}`] ?? 0) + 1;
    if (response.status >= 500) counters.serverErrors++;
    const code = /"code":"([a-z_]+)"|<Code>([^<]+)<\/Code>/.exec(body);
    problem(`${op}: ${response.status} ${code?.[1] ?? code?.[2] ?? ''}`.trim());
    throw new Unexpected(op);
  }
  return response;
}

function api(op: string, token: string, method: string, path: string, body: unknown, expected: number) {
  operations[op] = (operations[op] ?? 0) + 1;
  return exchange(
    'api',
    op,
    new URL(path, apiUrl).href,
    {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    },
    expected,
  );
}

/** The presigned request exactly as returned; fetch sets Content-Length from the body itself. */
function storage(op: string, presigned: Presigned, body: Uint8Array | undefined, expected: number) {
  operations[op] = (operations[op] ?? 0) + 1;
  const headers = Object.fromEntries(
    Object.entries(presigned.headers).filter(([name]) => name.toLowerCase() !== 'content-length'),
  );
  return exchange(
    'storage',
    op,
    presigned.url,
    { method: presigned.method, headers, ...(body ? { body } : {}) },
    expected,
  );
}

interface Stored {
  readonly level: Level;
  readonly key: string;
  readonly sha256: string;
}

/** What one worker has stored for one user (keys under the worker's own prefix). */
class Model {
  readonly objects = new Map<string, Stored>();
  readonly deleted = new Set<string>();
  constructor(
    readonly token: string,
    readonly prefix: string,
  ) {}
  id(level: Level, key: string): string {
    return `${level}\0${key}`;
  }
}

async function upload(model: Model, sequence: number): Promise<void> {
  const level = LEVELS[sequence % LEVELS.length] ?? 'private';
  const key = `${model.prefix}${sequence}-${randomBytes(4).toString('hex')}.bin`;
  const bytes = new Uint8Array(randomBytes(256 + Math.floor(Math.random() * 64 * 1024)));
  const checksum = sha256(bytes);
  const response = await api(
    'upload-url',
    model.token,
    'POST',
    'files/uploads',
    {
      level,
      key,
      contentType: 'application/octet-stream',
      size: bytes.length,
      sha256: checksum,
      overwrite: false,
    },
    201,
  );
  const presigned = (await response.json()) as Presigned;
  await storage('put', presigned, bytes, 200);
  // Acknowledged by storage: from now on it must be there, byte for byte.
  model.objects.set(model.id(level, key), { level, key, sha256: checksum });
}

async function download(model: Model, stored: Stored, op = 'get'): Promise<void> {
  const response = await api(
    'download-url',
    model.token,
    'POST',
    'files/downloads',
    { level: stored.level, key: stored.key },
    201,
  );
  const presigned = (await response.json()) as Presigned;
  const started = performance.now();
  const fetched = await fetch(presigned.url, { signal: AbortSignal.timeout(15_000) }).catch(() => undefined);
  if (fetched === undefined) {
    counters.networkErrors++;
    problem(`${op}: network error`);
    return;
  }
  storageLatencies.push(performance.now() - started);
  operations[op] = (operations[op] ?? 0) + 1;
  if (fetched.status === 404) {
    await fetched.arrayBuffer();
    counters.lost++;
    problem(`${op}: an acknowledged object is gone (${stored.level})`);
    return;
  }
  if (fetched.status !== 200) {
    await fetched.arrayBuffer();
    errorsByStatus[`${op} ${fetched.status}`] = (errorsByStatus[`${op} ${fetched.status}`] ?? 0) + 1;
    if (fetched.status >= 500) counters.serverErrors++;
    problem(`${op}: ${fetched.status}`);
    return;
  }
  const bytes = new Uint8Array(await fetched.arrayBuffer());
  if (sha256(bytes) !== stored.sha256) {
    counters.corrupted++;
    problem(`${op}: bytes differ from what was uploaded (${stored.level})`);
  }
}

/** Lists the worker's prefix in `level` and compares it with the model. */
async function list(model: Model, level: Level, op = 'list'): Promise<void> {
  const seen = new Set<string>();
  let cursor: string | undefined;
  do {
    const query = new URLSearchParams({ level, prefix: model.prefix, limit: '100' });
    if (cursor) query.set('cursor', cursor);
    const response = await api(op, model.token, 'GET', `files?${query}`, undefined, 200);
    const page = (await response.json()) as FileList;
    for (const item of page.items) seen.add(item.key);
    cursor = page.nextCursor;
  } while (cursor);
  for (const stored of model.objects.values()) {
    if (stored.level === level && !seen.has(stored.key)) {
      counters.lost++;
      problem(`${op}: an acknowledged object is missing from the listing (${level})`);
    }
  }
  for (const key of seen) {
    const id = model.id(level, key);
    if (model.objects.has(id)) continue;
    if (model.deleted.has(id)) {
      counters.resurrected++;
      problem(`${op}: a deleted object is still listed (${level})`);
    } else {
      problem(`${op}: an object nobody uploaded is listed (${level})`);
      counters.corrupted++;
    }
  }
}

async function remove(model: Model, stored: Stored): Promise<void> {
  const query = new URLSearchParams({ level: stored.level, key: stored.key });
  await api('delete', model.token, 'DELETE', `files?${query}`, undefined, 204);
  const id = model.id(stored.level, stored.key);
  model.objects.delete(id);
  model.deleted.add(id);
}

function pick<T>(values: readonly T[]): T | undefined {
  return values[Math.floor(Math.random() * values.length)];
}

async function worker(index: number, models: readonly Model[], deadline: number): Promise<void> {
  let sequence = 0;
  while (performance.now() < deadline) {
    // Users in rotation, so every user is served by several workers over the run.
    const model = models[(index + sequence) % models.length];
    if (model === undefined) return;
    sequence++;
    const stored = [...model.objects.values()];
    const roll = Math.random();
    try {
      if (stored.length === 0 || (stored.length < MAX_OBJECTS && roll < 0.3)) await upload(model, sequence);
      else if (roll < 0.6) {
        const target = pick(stored);
        if (target) await download(model, target);
      } else if (roll < 0.8) await list(model, pick(LEVELS) ?? 'private');
      else {
        const target = pick(stored);
        if (target) await remove(model, target);
      }
    } catch (error) {
      if (!(error instanceof Unexpected)) {
        problem(`worker ${index}: ${error instanceof Error ? error.name : 'error'}`);
        counters.networkErrors++;
      }
    }
  }
}

async function main(): Promise<SoakResult> {
  if (job === null) throw new Error('no job');
  const started = performance.now();
  const deadline = started + job.seconds * 1000;
  // Each worker has its own prefix per user: workers never race on a key, so every difference
  // between model and storage is the system's doing.
  const models = Array.from({ length: job.concurrency }, (_, w) =>
    tokens.map((token) => new Model(token, `soak/w${w}/`)),
  );
  const reporter = setInterval(() => {
    const served = apiLatencies.length + storageLatencies.length;
    const errors = Object.values(errorsByStatus).reduce((a, b) => a + b, 0);
    const at = ((performance.now() - started) / 1000).toFixed(0);
    process.stderr.write(`load: ${at} s, ${served} requests, ${errors} errors\n`);
  }, 10_000);
  await Promise.all(models.map((userModels, w) => worker(w, userModels, deadline)));
  clearInterval(reporter);
  const elapsed = (performance.now() - started) / 1000;

  // The audit: every acknowledged object, listed and downloaded; then everything is deleted.
  for (const userModels of models) {
    for (const model of userModels) {
      for (const level of LEVELS) await list(model, level, 'audit-list');
      for (const stored of model.objects.values()) {
        await download(model, stored, 'audit-get');
        counters.audited++;
      }
      for (const stored of [...model.objects.values()]) await remove(model, stored).catch(() => undefined);
    }
  }

  const latency = (values: number[]) => {
    const sorted = values.sort((a, b) => a - b);
    return {
      p50_ms: quantile(sorted, 0.5),
      p99_ms: quantile(sorted, 0.99),
      max_ms: sorted.at(-1) ?? Number.NaN,
    };
  };
  return {
    seconds: elapsed,
    apiRequests: apiLatencies.length,
    storageRequests: storageLatencies.length,
    operations,
    errorsByStatus,
    ...counters,
    api: latency(apiLatencies),
    storage: latency(storageLatencies),
    problems,
  };
}

main().then(
  (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
  (error: unknown) => {
    process.stderr.write(`soak driver failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
