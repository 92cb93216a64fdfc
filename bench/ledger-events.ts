/**
 * The usage ledger under a faulty delivery, and the events function's throughput, both in process.
 *
 * - `ledger_drift`: 10,000 events (creates, overwrites, deletes over a few hundred keys of a few
 *   dozen owners), 20 % delivered twice and 20 % held back and delivered later, applied through the
 *   ledger's own rules (`MemoryLedger`); then `usageDrift` of every owner against the true final
 *   state (each key's last event). Goal 0.
 * - `events_per_s`: the same deliveries as S3 notification documents in SQS batches of 10, through
 *   the real `createEventsHandler` (parse, ledger, ranged read, content check, quota), its ledger an
 *   in-memory one over the same rules and its S3 client a fake that answers from memory, so the
 *   figure is the function's own processing, with no network.
 *
 * Deterministic: a seeded generator, so every run replays the same workload.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { createEventsHandler, type EventsDeps, type EventsLedger } from '../lambdas/events/process';
import { resolveUploadRules } from '../shared/domain/upload-rules';
import {
  EMPTY_USAGE,
  MemoryLedger,
  type ObjectEntry,
  type Usage,
  usageDrift,
  usageOf,
} from '../shared/events/ledger';
import type { StorageEvent } from '../shared/events/s3-event';
import { compareSequencers } from '../shared/events/sequencer';
import { type Summary, seeded, summarize } from './stats';

const BUCKET = 'user-files-bench';
const LEVELS = ['private', 'protected', 'public'] as const;

export interface LedgerEventsOptions {
  /** @default 10_000 */
  readonly events?: number;
  /** @default 300 */
  readonly keys?: number;
  /** @default 40 */
  readonly owners?: number;
  /** Fraction delivered twice. @default 0.2 */
  readonly duplicate?: number;
  /** Fraction held back and delivered after later ones. @default 0.2 */
  readonly reorder?: number;
  /** Timed runs of the events function over the whole delivery. @default 5 */
  readonly rounds?: number;
}

export interface LedgerEventsFigures {
  /** Fields of owners' usage that differ from the true final state (`usageDrift` lines). */
  readonly ledgerDrift: number;
  /** The same, after the events function's run over the same deliveries. */
  readonly handlerDrift: number;
  readonly events: number;
  readonly deliveries: number;
  readonly owners: number;
  readonly keys: number;
  readonly eventsPerSecond: Summary;
  /** Messages the function reported failed, over all runs: 0 expected. */
  readonly failures: number;
}

const identityId = (n: number) => `us-east-1:${n.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;

/** The events in the order S3 made them: each key's sequencer rises (unpadded hex, as lengths vary). */
function workload(random: () => number, count: number, keys: number, owners: number): StorageEvent[] {
  const names = Array.from({ length: keys }, (_, i) => {
    const owner = identityId(Math.floor(random() * owners));
    const level = LEVELS[i % LEVELS.length] ?? 'private';
    return { key: `${level}/${owner}/bench/file-${i}.txt`, owner, level };
  });
  const sequencers = new Map<string, number>();
  const live = new Set<string>();
  const events: StorageEvent[] = [];
  for (let i = 0; i < count; i++) {
    const name = names[Math.floor(random() * names.length)] ?? names[0];
    if (name === undefined) throw new Error('no keys');
    const sequencer = (sequencers.get(name.key) ?? 0) + 1 + Math.floor(random() * 3);
    sequencers.set(name.key, sequencer);
    // A live key is overwritten or deleted about equally; a missing one is created.
    const created = !live.has(name.key) || random() < 0.5;
    if (created) live.add(name.key);
    else live.delete(name.key);
    events.push({
      kind: created ? 'created' : 'deleted',
      key: name.key,
      path: name.key.split('/').slice(2).join('/'),
      owner: name.owner,
      level: name.level,
      size: created ? 1 + Math.floor(random() * 50_000) : 0,
      sequencer: sequencer.toString(16),
      eventTime: new Date(1_700_000_000_000 + i * 1000).toISOString(),
      eventName: created ? 'ObjectCreated:Put' : 'ObjectRemoved:Delete',
    });
  }
  return events;
}

/** Delivery as S3 and SQS may make it: some messages twice, some held back past later ones. */
function deliver<T>(random: () => number, items: readonly T[], duplicate: number, reorder: number): T[] {
  const out: T[] = [];
  const held: { item: T; release: number }[] = [];
  items.forEach((item, index) => {
    const copies = random() < duplicate ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      if (random() < reorder) held.push({ item, release: index + 1 + Math.floor(random() * 50) });
      else out.push(item);
    }
    for (let h = held.length - 1; h >= 0; h--) {
      const entry = held[h];
      if (entry !== undefined && entry.release <= index) {
        out.push(entry.item);
        held.splice(h, 1);
      }
    }
  });
  for (const entry of held) out.push(entry.item);
  return out;
}

/** Each owner's usage from each key's last event in S3's order. */
function trueUsage(events: readonly StorageEvent[]): Map<string, Usage> {
  const last = new Map<string, StorageEvent>();
  for (const event of events) last.set(event.key, event);
  const live = new Map<string, { level: StorageEvent['level']; size: number }[]>();
  for (const event of last.values()) {
    if (event.kind !== 'created') continue;
    const list = live.get(event.owner) ?? [];
    list.push({ level: event.level, size: event.size });
    live.set(event.owner, list);
  }
  return new Map([...live].map(([owner, objects]) => [owner, usageOf(objects)]));
}

/** The events function's ledger over `MemoryLedger`: the DynamoDB adapter's answers, without DynamoDB. */
function memoryLedgerPort(memory: MemoryLedger): EventsLedger {
  return {
    async applyEvent(event) {
      if (memory.apply(event)) return 'applied';
      const current: ObjectEntry | undefined = memory.entries.get(event.key);
      return current !== undefined && compareSequencers(current.sequencer, event.sequencer) === 0
        ? 'current'
        : 'stale';
    },
    async entry(_owner, key) {
      return memory.entries.get(key);
    },
    async usage(owner) {
      return { usage: memory.usageOf(owner), quota: {}, version: undefined };
    },
    async recordRejection() {
      throw new Error('every bench object is valid: a rejection is a bug');
    },
  };
}

/** Answers the function's ranged GetObject with text bytes; counts DeleteObject (0 expected). */
function fakeS3(): { client: S3Client; deletes: () => number } {
  const head = new TextEncoder().encode('bench object, plain text\n'.repeat(40));
  let deletes = 0;
  const client = {
    async send(command: { constructor: { name: string } }) {
      if (command.constructor.name === 'GetObjectCommand') {
        return { ContentType: 'text/plain', Body: { transformToByteArray: async () => head } };
      }
      if (command.constructor.name === 'DeleteObjectCommand') {
        deletes += 1;
        return {};
      }
      throw new Error(`unexpected ${command.constructor.name}`);
    },
  };
  return { client: client as unknown as S3Client, deletes: () => deletes };
}

/** One notification document per message, as S3 sends them through SQS. */
function notificationBody(event: StorageEvent, index: number): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: event.eventTime,
        eventName: event.eventName,
        s3: {
          bucket: { name: BUCKET },
          object: {
            key: encodeURIComponent(event.key).replace(/%2F/g, '/'),
            ...(event.kind === 'created' ? { size: event.size, eTag: `etag${index}` } : {}),
            sequencer: event.sequencer,
          },
        },
      },
    ],
  });
}

/** Message bodies as the events queue hands them to the function: one SQS record each, in batches of 10. */
export function sqsBatches(bodies: readonly string[]): SQSEvent[] {
  const records = bodies.map(
    (body, index): SQSRecord => ({
      messageId: `m${index}`,
      receiptHandle: `r${index}`,
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '0',
        SenderId: 'bench',
        ApproximateFirstReceiveTimestamp: '0',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:bench',
      awsRegion: 'us-east-1',
    }),
  );
  const batches: SQSEvent[] = [];
  for (let i = 0; i < records.length; i += 10) batches.push({ Records: records.slice(i, i + 10) });
  return batches;
}

/** One round's fakes for the events function, and a check of what it did, run once the clock stops. */
export interface EventsRound {
  readonly ledger: EventsLedger;
  readonly s3: S3Client;
  readonly log: EventsDeps['log'];
  readonly check: () => void;
}

/**
 * The real `createEventsHandler` (default upload rules, no quota) timed over `batches`: one
 * uncounted warm-up round (JIT, zod's first parses), then `rounds` timed ones, each on a fresh
 * handler over `fresh()`'s fakes. Messages per second per timed round, and the messages it reported
 * failed over every round (0 expected).
 */
export async function timeEventsRounds(
  bucket: string,
  batches: readonly SQSEvent[],
  rounds: number,
  fresh: () => EventsRound,
): Promise<{ perSecond: Summary; failures: number }> {
  const messages = batches.reduce((sum, batch) => sum + batch.Records.length, 0);
  const uploadRules = resolveUploadRules(undefined, 104_857_600);
  const rates: number[] = [];
  let failures = 0;
  for (let round = 0; round <= rounds; round++) {
    const { ledger, s3, log, check } = fresh();
    const handler = createEventsHandler({
      bucket,
      ledger,
      s3,
      uploadRules,
      quota: {},
      groupQuota: {},
      log,
    });
    const started = performance.now();
    for (const batch of batches) failures += (await handler(batch)).batchItemFailures.length;
    const seconds = (performance.now() - started) / 1000;
    check();
    if (round > 0) rates.push(messages / seconds);
  }
  return { perSecond: summarize(rates), failures };
}

export interface LedgerWorkload {
  /** In S3's order. */
  readonly events: readonly StorageEvent[];
  /** In delivery order, duplicates included. */
  readonly deliveries: readonly StorageEvent[];
  /** Each owner's usage from each key's last event. */
  readonly truth: ReadonlyMap<string, Usage>;
}

export function ledgerWorkload(options: LedgerEventsOptions = {}): LedgerWorkload {
  const random = seeded(20_261_201);
  const events = workload(random, options.events ?? 10_000, options.keys ?? 300, options.owners ?? 40);
  const deliveries = deliver(random, events, options.duplicate ?? 0.2, options.reorder ?? 0.2);
  return { events, deliveries, truth: trueUsage(events) };
}

/** Fields of owners' usage in `ledger` that differ from `truth`. */
export function driftLines(ledger: MemoryLedger, truth: ReadonlyMap<string, Usage>): number {
  const owners = new Set([...truth.keys(), ...ledger.usage.keys()]);
  let lines = 0;
  for (const owner of owners) {
    lines += usageDrift(owner, ledger.usageOf(owner), truth.get(owner) ?? EMPTY_USAGE).length;
  }
  return lines;
}

export async function measureLedgerEvents(options: LedgerEventsOptions = {}): Promise<LedgerEventsFigures> {
  const keys = options.keys ?? 300;
  const rounds = options.rounds ?? 5;
  const { events, deliveries, truth } = ledgerWorkload(options);

  const reference = new MemoryLedger();
  for (const event of deliveries) reference.apply(event);
  const ledgerDrift = driftLines(reference, truth);

  const batches = sqsBatches(deliveries.map((event, index) => notificationBody(event, index)));
  let handlerDrift = 0;
  // Each round on an empty ledger.
  const timed = await timeEventsRounds(BUCKET, batches, rounds, () => {
    const memory = new MemoryLedger();
    const s3 = fakeS3();
    return {
      ledger: memoryLedgerPort(memory),
      s3: s3.client,
      log: () => undefined,
      check: () => {
        if (s3.deletes() > 0) throw new Error(`the events function removed ${s3.deletes()} bench objects`);
        handlerDrift = Math.max(handlerDrift, driftLines(memory, truth));
      },
    };
  });

  return {
    ledgerDrift,
    handlerDrift,
    events: events.length,
    deliveries: deliveries.length,
    owners: truth.size,
    keys,
    eventsPerSecond: timed.perSecond,
    failures: timed.failures,
  };
}
