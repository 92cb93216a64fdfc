/**
 * The bucket's event notifications, locally: each write the S3 gateway reports becomes the document
 * S3 sends to SQS (same fields, `sequencer` rising per key), wrapped in the SQS event shape and
 * delivered in batches to the events function's processing, as the queue's event source mapping
 * does: failed messages are delivered again, and after `maxReceiveCount` receives they land in the
 * dead-letter list. Test switches duplicate, delay and reorder deliveries, as S3 and SQS may. Other
 * sources the queue is subscribed to (the scanner's results, as EventBridge's) `send` their bodies.
 */
import { randomUUID } from 'node:crypto';
import type { Agent } from 'node:http';
import { S3Client } from '@aws-sdk/client-s3';
import type { SQSEvent } from 'aws-lambda';
import type { EventsHandler } from '../../lambdas/events/process';
import type { StorageWrite } from '../s3/gateway';
import { type Message, s3EventRecord, sqsRecord } from './notification';

export interface DeliveryFaults {
  /** Fraction of messages delivered twice. @default 0 */
  readonly duplicate?: number;
  /** Fraction of messages held back and delivered after later ones. @default 0 */
  readonly reorder?: number;
  /** Extra delay before each batch, in ms. @default 0 */
  readonly delayMs?: number;
}

export interface StorageEventsOptions {
  readonly region: string;
  /** Reads each new object's size and ETag from moto, as S3 puts them in the event. */
  readonly motoAgent: Agent;
  readonly adminCredentials: { accessKeyId: string; secretAccessKey: string };
  readonly handler: EventsHandler;
  readonly faults?: DeliveryFaults;
  /** @default 10 (SQS's batch size for a Lambda event source) */
  readonly batchSize?: number;
  /** @default 5 */
  readonly maxReceiveCount?: number;
  /** A failed message is delivered again after this times its receives (visibility timeout). @default 100 */
  readonly retryDelayMs?: number;
  /** Random source, for tests. @default Math.random */
  readonly random?: () => number;
}

export interface StorageEvents {
  /** The S3 gateway's `onEvent`. */
  readonly onEvent: (write: StorageWrite) => void;
  /**
   * Sends one message with this body, as any other source the queue is subscribed to would
   * (EventBridge's scan results): delivered, retried and dead-lettered like the rest.
   */
  send(body: string): void;
  /** Resolves once every message so far was processed or dead-lettered. */
  drain(): Promise<void>;
  /** Bodies of the messages that failed `maxReceiveCount` times. */
  readonly deadLetters: readonly string[];
  /** Messages delivered (receives, duplicates included). */
  readonly stats: { emitted: number; received: number };
  close(): Promise<void>;
}

/** Parses DeliveryFaults from `EVENTS_DUPLICATE`, `EVENTS_REORDER` and `EVENTS_DELAY_MS`. */
export function faultsFromEnv(env: Record<string, string | undefined>): DeliveryFaults {
  const fraction = (name: string) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return 0;
    const value = Number(raw);
    if (!(value >= 0 && value <= 1)) throw new Error(`${name} must be a fraction from 0 to 1`);
    return value;
  };
  const delay = env.EVENTS_DELAY_MS;
  const delayMs = delay === undefined || delay === '' ? 0 : Number(delay);
  if (!Number.isInteger(delayMs) || delayMs < 0)
    throw new Error('EVENTS_DELAY_MS must be a whole number of ms');
  return { duplicate: fraction('EVENTS_DUPLICATE'), reorder: fraction('EVENTS_REORDER'), delayMs };
}

/** How the queue's event source mapping delivers: `StorageEventsOptions` with defaults applied. */
interface QueueSettings {
  readonly region: string;
  readonly handler: EventsHandler;
  readonly faults: DeliveryFaults;
  readonly batchSize: number;
  readonly maxReceiveCount: number;
  readonly retryDelayMs: number;
  readonly random: () => number;
}

/** The queue and its event source mapping: batches, redelivery after a failure, dead letters. */
class Queue {
  private readonly queue: Message[] = [];
  /** Messages held back by the reorder fault, to go out after later ones. */
  private readonly held: Message[] = [];
  readonly deadLetters: string[] = [];
  readonly stats = { emitted: 0, received: 0 };
  /** Messages still being written, or waiting to be delivered again. */
  private pending = 0;
  private pumping: Promise<void> | undefined;
  private idle: (() => void)[] = [];
  private closed = false;

  constructor(private readonly settings: QueueSettings) {}

  /** Sends the message whose body `prepared` resolves to; drain() waits for it meanwhile. */
  send(prepared: Promise<string>): void {
    this.stats.emitted += 1;
    this.pending += 1;
    prepared
      .then((body) => this.enqueue({ id: randomUUID(), body, receives: 0 }))
      .finally(() => {
        this.pending -= 1;
        this.settle();
      });
  }

  drain(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.idle.push(resolve);
      this.settle();
    });
  }

  /** Stops delivering (after the batch in flight) and releases whoever waits in drain(). */
  async close(): Promise<void> {
    this.closed = true;
    await this.pumping;
    this.wake();
  }

  private wake(): void {
    const waiting = this.idle;
    this.idle = [];
    for (const resolve of waiting) resolve();
  }

  private settle(): void {
    if (this.pending === 0 && this.queue.length === 0 && this.held.length === 0 && !this.pumping) this.wake();
  }

  private enqueue(message: Message): void {
    const { faults, random } = this.settings;
    if (random() < (faults.reorder ?? 0)) this.held.push(message);
    else this.queue.push(message);
    if (random() < (faults.duplicate ?? 0)) this.queue.push({ ...message, receives: 0 });
    this.pump();
  }

  private pump(): void {
    this.pumping ??= this.deliverAll().finally(() => {
      this.pumping = undefined;
      if (!this.closed && (this.queue.length > 0 || this.held.length > 0)) this.pump();
      else this.settle();
    });
  }

  private async deliverAll(): Promise<void> {
    const { queue, held, settings } = this;
    while (!this.closed && (queue.length > 0 || held.length > 0)) {
      // Held messages go out after the ones queued behind them: delivered out of order.
      if (queue.length === 0) queue.push(...held.splice(0));
      const batch = queue.splice(0, settings.batchSize);
      if (held.length > 0 && settings.random() < 0.5) queue.push(...held.splice(0, 1));
      if (settings.faults.delayMs)
        await new Promise((resolve) => setTimeout(resolve, settings.faults.delayMs));
      const failed = await this.deliver(batch);
      for (const message of batch) {
        if (!failed.has(message.id)) continue;
        if (message.receives >= settings.maxReceiveCount) this.deadLetters.push(message.body);
        else this.retryLater(message);
      }
    }
  }

  /** Delivers one batch to the handler; resolves with the IDs of the messages that failed. */
  private async deliver(batch: Message[]): Promise<Set<string>> {
    for (const message of batch) message.receives += 1;
    this.stats.received += batch.length;
    const event: SQSEvent = { Records: batch.map((message) => sqsRecord(message, this.settings.region)) };
    try {
      const response = await this.settings.handler(event);
      return new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
    } catch {
      return new Set(batch.map((message) => message.id));
    }
  }

  /**
   * As SQS's visibility timeout: a failed message comes back only after a while (growing with its
   * receives), by when the events it waited for have usually arrived.
   */
  private retryLater(message: Message): void {
    this.pending += 1;
    setTimeout(() => {
      this.pending -= 1;
      if (this.closed) return this.settle();
      this.queue.push(message);
      this.pump();
    }, this.settings.retryDelayMs * message.receives);
  }
}

export function startStorageEvents(options: StorageEventsOptions): StorageEvents {
  const { region } = options;
  const s3 = new S3Client({
    region,
    endpoint: 'http://127.0.0.1',
    forcePathStyle: true,
    credentials: options.adminCredentials,
    requestHandler: { httpAgent: options.motoAgent },
  });
  const queue = new Queue({
    region,
    handler: options.handler,
    faults: options.faults ?? {},
    batchSize: options.batchSize ?? 10,
    maxReceiveCount: options.maxReceiveCount ?? 5,
    retryDelayMs: options.retryDelayMs ?? 100,
    random: options.random ?? Math.random,
  });
  // One counter for all keys: rising per key as S3's are. Unpadded hex, so widths differ as they may.
  let sequence = 0x1_0000_0000n;
  return {
    onEvent(write) {
      sequence += 1n;
      const sequencer = sequence.toString(16).toUpperCase();
      const eventTime = new Date().toISOString();
      const record = s3EventRecord(s3, region, write, sequencer, eventTime);
      queue.send(record.then((document) => JSON.stringify({ Records: [document] })));
    },
    send: (body) => queue.send(Promise.resolve(body)),
    drain: () => queue.drain(),
    deadLetters: queue.deadLetters,
    stats: queue.stats,
    async close() {
      await queue.close();
      s3.destroy();
    },
  };
}
