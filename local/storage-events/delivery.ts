/**
 * The bucket's event notifications, locally: each write the S3 gateway reports becomes the document
 * S3 sends to SQS (same fields, `sequencer` rising per key), wrapped in the SQS event shape and
 * delivered in batches to the events function's processing, as the queue's event source mapping
 * does: failed messages are delivered again, and after `maxReceiveCount` receives they land in the
 * dead-letter list. Test switches duplicate, delay and reorder deliveries, as S3 and SQS may.
 */
import { randomUUID } from 'node:crypto';
import type { Agent } from 'node:http';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { EventsHandler } from '../../lambdas/events/process';
import type { StorageWrite } from '../s3/gateway';

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
  /** Resolves once every message so far was processed or dead-lettered. */
  drain(): Promise<void>;
  /** Bodies of the messages that failed `maxReceiveCount` times. */
  readonly deadLetters: readonly string[];
  /** Messages delivered (receives, duplicates included). */
  readonly stats: { emitted: number; received: number };
  close(): Promise<void>;
}

interface Message {
  readonly id: string;
  readonly body: string;
  receives: number;
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

export function startStorageEvents(options: StorageEventsOptions): StorageEvents {
  const random = options.random ?? Math.random;
  const faults = options.faults ?? {};
  const batchSize = options.batchSize ?? 10;
  const maxReceiveCount = options.maxReceiveCount ?? 5;
  const retryDelayMs = options.retryDelayMs ?? 100;
  const s3 = new S3Client({
    region: options.region,
    endpoint: 'http://127.0.0.1',
    forcePathStyle: true,
    credentials: options.adminCredentials,
    requestHandler: { httpAgent: options.motoAgent },
  });
  // One counter for all keys: rising per key as S3's are. Unpadded hex, so widths differ as they may.
  let sequence = 0x1_0000_0000n;
  const queue: Message[] = [];
  const held: Message[] = [];
  const deadLetters: string[] = [];
  const stats = { emitted: 0, received: 0 };
  let pending = 0;
  let pumping: Promise<void> | undefined;
  let idle: (() => void)[] = [];
  let closed = false;

  const settle = () => {
    if (pending === 0 && queue.length === 0 && held.length === 0 && !pumping) {
      const waiting = idle;
      idle = [];
      for (const resolve of waiting) resolve();
    }
  };

  async function record(write: StorageWrite, sequencer: string, eventTime: string) {
    const object: Record<string, unknown> = { key: encodeKey(write.key), sequencer };
    if (write.name.startsWith('ObjectCreated:')) {
      try {
        const head = await s3.send(new HeadObjectCommand({ Bucket: write.bucket, Key: write.key }));
        object.size = head.ContentLength ?? 0;
        if (head.ETag) object.eTag = head.ETag.replace(/"/g, '');
      } catch {
        // Deleted already: S3's event still reports the write; its own delete event follows.
        object.size = 0;
      }
    }
    return {
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: options.region,
      eventTime,
      eventName: write.name,
      userIdentity: { principalId: 'AWS:LOCAL' },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: { 'x-amz-request-id': randomUUID().slice(0, 16), 'x-amz-id-2': randomUUID() },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'StorageEvents',
        bucket: {
          name: write.bucket,
          ownerIdentity: { principalId: 'LOCAL' },
          arn: `arn:aws:s3:::${write.bucket}`,
        },
        object,
      },
    };
  }

  function enqueue(message: Message) {
    if (random() < (faults.reorder ?? 0)) held.push(message);
    else queue.push(message);
    if (random() < (faults.duplicate ?? 0)) queue.push({ ...message, receives: 0 });
    pump();
  }

  function sqsRecord(message: Message): SQSRecord {
    return {
      messageId: message.id,
      receiptHandle: randomUUID(),
      body: message.body,
      attributes: {
        ApproximateReceiveCount: String(message.receives),
        SentTimestamp: String(Date.now()),
        SenderId: 'AROALOCAL',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:${options.region}:000000000000:user-files-local-events`,
      awsRegion: options.region,
    };
  }

  function pump() {
    pumping ??= (async () => {
      while (!closed && (queue.length > 0 || held.length > 0)) {
        // Held messages go out after the ones queued behind them: delivered out of order.
        if (queue.length === 0) queue.push(...held.splice(0));
        const batch = queue.splice(0, batchSize);
        if (held.length > 0 && random() < 0.5) queue.push(...held.splice(0, 1));
        if (faults.delayMs) await new Promise((resolve) => setTimeout(resolve, faults.delayMs));
        for (const message of batch) message.receives += 1;
        stats.received += batch.length;
        const event: SQSEvent = { Records: batch.map(sqsRecord) };
        let failed: Set<string>;
        try {
          const response = await options.handler(event);
          failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
        } catch {
          failed = new Set(batch.map((message) => message.id));
        }
        for (const message of batch) {
          if (!failed.has(message.id)) continue;
          if (message.receives >= maxReceiveCount) {
            deadLetters.push(message.body);
            continue;
          }
          // As SQS's visibility timeout: a failed message comes back only after a while (growing
          // with its receives), by when the events it waited for have usually arrived.
          pending += 1;
          setTimeout(() => {
            pending -= 1;
            if (closed) return settle();
            queue.push(message);
            pump();
          }, retryDelayMs * message.receives);
        }
      }
    })().finally(() => {
      pumping = undefined;
      if (!closed && (queue.length > 0 || held.length > 0)) pump();
      else settle();
    });
  }

  return {
    onEvent(write) {
      sequence += 1n;
      const sequencer = sequence.toString(16).toUpperCase();
      const eventTime = new Date().toISOString();
      stats.emitted += 1;
      pending += 1;
      record(write, sequencer, eventTime)
        .then((document) =>
          enqueue({ id: randomUUID(), body: JSON.stringify({ Records: [document] }), receives: 0 }),
        )
        .finally(() => {
          pending -= 1;
          settle();
        });
    },
    drain: () =>
      new Promise<void>((resolve) => {
        idle.push(resolve);
        settle();
      }),
    deadLetters,
    stats,
    async close() {
      closed = true;
      await pumping;
      s3.destroy();
      const waiting = idle;
      idle = [];
      for (const resolve of waiting) resolve();
    },
  };
}

/** As S3 writes keys in notifications: form-encoded (a space as `+`). */
export function encodeKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}
