/**
 * Shared fakes for the events function's unit tests: a bucket in memory that honours `If-Match` on
 * deletes as S3 does, an `EventsLedger` over the ledger's own rules in memory, the S3 notification
 * of one object event wrapped in its SQS message, and the handler wired over them.
 */
import { DeleteObjectCommand, GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SQSEvent } from 'aws-lambda';
import type { Rejection } from '../../../lambdas/aws/ledger';
import {
  createEventsHandler,
  type EventsDeps,
  type EventsHandler,
  type EventsLedger,
} from '../../../lambdas/events/process';
import type { Quota } from '../../../shared/domain/quota';
import { resolveUploadRules, type UploadRulesInput } from '../../../shared/domain/upload-rules';
import { MemoryLedger } from '../../../shared/events/ledger';

export const USER = 'us-east-1:11111111-1111-4111-8111-111111111111';
export const BUCKET = 'files';
const EVENT_TIME = '2026-12-01T00:00:00.000Z';

export const s3Error = (name: string, status: number) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

export interface StoredObject {
  readonly eTag?: string;
  /** Answered as the object's `Content-Type`; `application/octet-stream` when not given. */
  readonly contentType?: string;
  readonly body: Uint8Array;
}

/** An SQS delivery of one message with this body. */
export function sqsMessage(id: string, body: unknown): SQSEvent {
  return { Records: [{ messageId: id, body: JSON.stringify(body) } as SQSEvent['Records'][number]] };
}

/** The S3 notification of one object event, as storage sends it. */
export function s3Notification(input: {
  kind: 'created' | 'removed';
  key: string;
  sequencer: string;
  size?: number;
  eTag?: string;
}) {
  return {
    Records: [
      {
        eventSource: 'aws:s3',
        eventTime: EVENT_TIME,
        eventName: input.kind === 'created' ? 'ObjectCreated:Put' : 'ObjectRemoved:Delete',
        s3: {
          bucket: { name: BUCKET },
          object: {
            key: encodeURIComponent(input.key).replace(/%2F/g, '/'),
            size: input.size ?? 0,
            eTag: input.eTag,
            sequencer: input.sequencer,
          },
        },
      },
    ],
  };
}

/**
 * The bucket: objects by key; deletes honour `If-Match` (a missing key is 404, or 403 as without
 * s3:ListBucket when `missingIs403`; another ETag is 412). `put` stores an object and answers the
 * SQS message announcing it, as S3 would, with a rising sequencer.
 */
export function memoryBucket(options: { missingIs403?: boolean } = {}) {
  const objects = new Map<string, StoredObject>();
  const deletes: Array<{ Key?: string; IfMatch?: string }> = [];
  let sequence = 0x100;
  const s3 = {
    async send(command: unknown) {
      if (command instanceof DeleteObjectCommand) {
        const { Key = '', IfMatch } = command.input;
        deletes.push({ Key, IfMatch });
        const found = objects.get(Key);
        if (IfMatch !== undefined && found === undefined)
          throw options.missingIs403 ? s3Error('AccessDenied', 403) : s3Error('NoSuchKey', 404);
        if (IfMatch !== undefined && IfMatch !== `"${found?.eTag}"`) throw s3Error('PreconditionFailed', 412);
        objects.delete(Key);
        return {};
      }
      if (command instanceof GetObjectCommand) {
        const found = objects.get(command.input.Key ?? '');
        if (found === undefined) throw s3Error('NoSuchKey', 404);
        return {
          ContentType: found.contentType ?? 'application/octet-stream',
          Body: { transformToByteArray: async () => found.body },
        };
      }
      throw new Error('not used here');
    },
  } as unknown as S3Client;
  const put = (key: string, contentType: string, body: Uint8Array): SQSEvent => {
    objects.set(key, { contentType, body });
    sequence += 1;
    return sqsMessage(
      `m${sequence}`,
      s3Notification({ kind: 'created', key, size: body.length, sequencer: sequence.toString(16) }),
    );
  };
  return { s3, objects, deletes, put };
}

/**
 * `EventsLedger` over the ledger's rules in memory, with quota overrides per owner. Rejections are
 * kept keyed as the table keys them (owner, time and key: a repeat overwrites) in `rejections`, and
 * in the order recorded per owner in `rejectionsByOwner`; `failures.recordRejection` makes that
 * many next recordings fail.
 */
export function memoryLedger(options: { overrides?: Record<string, Quota> } = {}) {
  const overrides = options.overrides ?? {};
  const memory = new MemoryLedger();
  const rejections = new Map<string, Rejection & { owner: string }>();
  const rejectionsByOwner = new Map<string, Rejection[]>();
  const failures = { recordRejection: 0 };
  const ledger: EventsLedger = {
    applyEvent: async (event) => (memory.apply(event) ? 'applied' : 'current'),
    entry: async (_owner, key) => memory.entries.get(key),
    usage: async (owner) => ({ usage: memory.usageOf(owner), quota: overrides[owner] ?? {}, version: 1 }),
    recordRejection: async (owner, rejection) => {
      if (failures.recordRejection > 0) {
        failures.recordRejection -= 1;
        throw s3Error('ProvisionedThroughputExceededException', 400);
      }
      rejections.set(`${owner}#${rejection.at}#${rejection.key}`, { owner, ...rejection });
      rejectionsByOwner.set(owner, [...(rejectionsByOwner.get(owner) ?? []), rejection]);
    },
  };
  return { ledger, memory, rejections, rejectionsByOwner, failures };
}

/** The events handler for this bucket: no quotas, upload rules for 1000 bytes, no logs, a fixed clock. */
export function eventsHandler(
  deps: Pick<EventsDeps, 'ledger' | 's3'> &
    Partial<Omit<EventsDeps, 'uploadRules'>> & { rules?: UploadRulesInput; maxUploadBytes?: number },
): EventsHandler {
  return createEventsHandler({
    bucket: deps.bucket ?? BUCKET,
    ledger: deps.ledger,
    s3: deps.s3,
    uploadRules: resolveUploadRules(deps.rules, deps.maxUploadBytes ?? 1000),
    quota: deps.quota ?? {},
    groupQuota: deps.groupQuota ?? {},
    log: deps.log ?? (() => undefined),
    now: deps.now ?? (() => 1_000_000),
  });
}

/**
 * The events handler over a bucket and a ledger in memory, its logs collected; `deliver` hands it
 * one message and answers the batch item failures.
 */
export function eventsHarness(
  options: {
    missingIs403?: boolean;
    rules?: UploadRulesInput;
    quota?: Quota;
    groupQuota?: Quota;
    overrides?: Record<string, Quota>;
  } = {},
) {
  const store = memoryBucket(options);
  const ledger = memoryLedger(options);
  const logs: Array<{ message: string; fields: Record<string, unknown> }> = [];
  const handler = eventsHandler({
    ledger: ledger.ledger,
    s3: store.s3,
    rules: options.rules,
    quota: options.quota,
    groupQuota: options.groupQuota,
    log: (text, fields) => logs.push({ message: text, fields }),
  });
  const deliver = async (id: string, body: unknown) =>
    (await handler(sqsMessage(id, body))).batchItemFailures;
  return { ...store, ...ledger, logs, handler, deliver };
}
