/**
 * One SQS batch of the bucket's object events: each event is applied to the ledger, then each
 * created object is checked (its level's rules, its first bytes against its declared type, the
 * owner's quota) and removed with its reason when it breaks one. The owner is the event's ledger
 * partition: a user's identity ID, or `groups/{group}` for a team folder's object, which has the
 * group quota and keeps its own rejections. A message that fails is reported in
 * `batchItemFailures`, so SQS retries only it (and, past its receive count, moves it to the DLQ).
 */
import { DeleteObjectCommand, GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { effectiveQuota, hasLimit, type Quota } from '../../shared/domain/quota';
import type { UploadRules } from '../../shared/domain/upload-rules';
import {
  checkStoredObject,
  type RejectionReason,
  SNIFF_BYTES,
  type Verdict,
} from '../../shared/events/content-check';
import { parseNotification, type StorageEvent } from '../../shared/events/s3-event';
import { compareSequencers } from '../../shared/events/sequencer';
import type { Ledger } from '../aws/ledger';
import { unlimitedOwners } from '../aws/quota';

/** What the events function does with the ledger. */
export type EventsLedger = Pick<Ledger, 'applyEvent' | 'entry' | 'usage' | 'recordRejection'>;

export interface EventsDeps {
  readonly bucket: string;
  readonly ledger: EventsLedger;
  readonly s3: S3Client;
  readonly uploadRules: UploadRules;
  /** Each user's quota. */
  readonly quota: Quota;
  /** Each group folder's quota (its partition `groups/{group}`). */
  readonly groupQuota: Quota;
  /** Names and reasons only: never keys' contents, credentials or URLs. */
  readonly log: (message: string, fields: Record<string, unknown>) => void;
  /** Epoch ms. @default Date.now */
  readonly now?: () => number;
}

export type EventsHandler = (event: SQSEvent) => Promise<SQSBatchResponse>;

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/** The owners known to have no limit (see `unlimitedOwners`). */
type UnlimitedOwners = ReturnType<typeof unlimitedOwners>;

/**
 * Without s3:ListBucket a missing key is 403 too. Skip only once the ledger shows it deleted or
 * replaced; otherwise fail, so SQS retries (and a real denial ends in the DLQ, alarmed).
 */
async function goneSince(ledger: EventsLedger, event: StorageEvent): Promise<boolean> {
  const entry = await ledger.entry(event.owner, event.key);
  return entry !== undefined && (entry.deleted || compareSequencers(entry.sequencer, event.sequencer) > 0);
}

/** The object's first bytes and type, or undefined when it is gone or was replaced since the event. */
async function readHead({ bucket, s3, ledger }: EventsDeps, event: StorageEvent) {
  try {
    const output = await s3.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: event.key,
        Range: `bytes=0-${SNIFF_BYTES - 1}`,
        ...(event.eTag ? { IfMatch: `"${event.eTag.replace(/"/g, '')}"` } : {}),
      }),
    );
    const head = output.Body ? await output.Body.transformToByteArray() : new Uint8Array();
    return { head, contentType: output.ContentType };
  } catch (error) {
    // 404: deleted since; 412: replaced since (the newer object's own event checks it).
    const status = statusOf(error);
    if (status === 404 || status === 412) return undefined;
    if (status === 403 && (await goneSince(ledger, event))) return undefined;
    throw error;
  }
}

/** The deployment's quotas: the user quota, and the group quota of group partitions. */
const deploymentQuotas = (deps: EventsDeps) => ({ quota: deps.quota, groupQuota: deps.groupQuota });

/** The owner's usage against their quota (their override, else the deployment's for a user or a group). */
async function overQuota(deps: EventsDeps, unlimited: UnlimitedOwners, owner: string): Promise<Verdict> {
  if (unlimited.known(owner)) return { ok: true };
  const record = await deps.ledger.usage(owner);
  const quota = effectiveQuota(deploymentQuotas(deps), owner, record.quota);
  if (!hasLimit(quota)) {
    await unlimited.remember(owner);
    return { ok: true };
  }
  if (quota.bytes !== undefined && record.usage.bytes > quota.bytes) {
    return {
      ok: false,
      reason: 'quota_exceeded',
      detail: `${record.usage.bytes} bytes stored, quota ${quota.bytes}`,
    };
  }
  if (quota.objects !== undefined && record.usage.objects > quota.objects) {
    return {
      ok: false,
      reason: 'quota_exceeded',
      detail: `${record.usage.objects} objects stored, quota ${quota.objects}`,
    };
  }
  return { ok: true };
}

/** Removes the object and records why, for its owner to see (a group's in the group's partition). */
async function reject(deps: EventsDeps, event: StorageEvent, reason: RejectionReason, detail: string) {
  await deps.s3.send(new DeleteObjectCommand({ Bucket: deps.bucket, Key: event.key }));
  await deps.ledger.recordRejection(event.owner, {
    key: event.key,
    level: event.level,
    reason,
    detail,
    at: event.eventTime,
  });
  deps.log('object removed', { owner: event.owner, level: event.level, reason });
}

/** One event: applied to the ledger, then a created object checked and removed if it breaks a rule. */
async function handleEvent(deps: EventsDeps, unlimited: UnlimitedOwners, event: StorageEvent) {
  const outcome = await deps.ledger.applyEvent(event);
  // A repeat of the current event is checked again: its first delivery may have failed after the
  // ledger write. Only older events are skipped (a newer one decides).
  if (event.kind !== 'created' || outcome === 'stale') return;
  const stored = await readHead(deps, event);
  if (stored === undefined) return;
  let verdict = await checkStoredObject(deps.uploadRules, {
    level: event.level,
    size: event.size,
    contentType: stored.contentType,
    head: stored.head,
  });
  if (verdict.ok) verdict = await overQuota(deps, unlimited, event.owner);
  if (!verdict.ok) await reject(deps, event, verdict.reason, verdict.detail);
}

export function createEventsHandler(deps: EventsDeps): EventsHandler {
  const { bucket, log } = deps;
  const unlimited = unlimitedOwners(deploymentQuotas(deps), deps.now ?? Date.now);
  return async (batch) => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of batch.Records) {
      try {
        for (const event of parseNotification(record.body, bucket)) await handleEvent(deps, unlimited, event);
      } catch (error) {
        log('message failed', {
          messageId: record.messageId,
          error: error instanceof Error ? error.name : 'unknown',
        });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}
