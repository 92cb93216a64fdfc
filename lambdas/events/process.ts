/**
 * One SQS batch of the bucket's object events: each event is applied to the ledger, then each
 * created object is checked (its level's rules, its first bytes against its declared type, the
 * owner's quota) and removed with its reason when it breaks one. The owner is the event's ledger
 * partition: a user's identity ID, or `groups/{group}` for a team folder's object, which has the
 * group quota and keeps its own rejections. A message may instead be a malware scan's result
 * (GuardDuty's event through EventBridge): an infected object is removed the same way, with reason
 * `malware`; a failed scan is logged for an operator (`scan failed`: a metric and an alarm). A
 * message that fails is reported in `batchItemFailures`, so SQS retries only it (and, past its
 * receive count, moves it to the DLQ).
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
import { eventsOfNotification, messageJson, type StorageEvent } from '../../shared/events/s3-event';
import {
  isScanResultBody,
  parseScanResult,
  SCAN_FAILED_MESSAGE,
  type ScanResultEvent,
} from '../../shared/events/scan-result';
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

/** The owner's usage against their quota (their override, else the deployment's for a user or a group). */
async function overQuota(deps: EventsDeps, unlimited: UnlimitedOwners, owner: string): Promise<Verdict> {
  if (unlimited.known(owner)) return { ok: true };
  const record = await deps.ledger.usage(owner);
  const quota = effectiveQuota(deps, owner, record.quota);
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

/** What a rejection records: the removed key, its owner's partition and level, and when. */
interface Removed {
  readonly key: string;
  readonly owner: string;
  readonly level: StorageEvent['level'];
  /** The event's time: a repeat of the event records the same rejection again, not a second one. */
  readonly at: string;
}

/** Records why an object was removed, for its owner to see (a group's in the group's partition). */
async function recordRemoval(deps: EventsDeps, removed: Removed, reason: RejectionReason, detail: string) {
  const { key, owner, level, at } = removed;
  await deps.ledger.recordRejection(owner, { key, level, reason, detail, at });
  deps.log('object removed', { owner, level, reason });
}

/** Removes the object and records why. */
async function reject(deps: EventsDeps, event: StorageEvent, reason: RejectionReason, detail: string) {
  await deps.s3.send(new DeleteObjectCommand({ Bucket: deps.bucket, Key: event.key }));
  await recordRemoval(deps, { ...event, at: event.eventTime }, reason, detail);
}

/**
 * Deletes the scanned version of the key, and only it: `If-Match` its ETag. True when that version
 * is gone: deleted now, or before (by an earlier delivery of this result, or by its owner: 404; 403
 * without s3:ListBucket once the ledger shows the key deleted, else the message is retried). False
 * when the key was replaced since (412): the new object is left to its own scan.
 */
async function deleteScannedVersion(deps: EventsDeps, scan: ScanResultEvent): Promise<boolean> {
  try {
    await deps.s3.send(
      new DeleteObjectCommand({ Bucket: deps.bucket, Key: scan.key, IfMatch: `"${scan.eTag}"` }),
    );
    return true;
  } catch (error) {
    const status = statusOf(error);
    if (status === 412) return false;
    if (status === 404) return true;
    if (status === 403 && (await deps.ledger.entry(scan.where.owner, scan.key))?.deleted) return true;
    throw error;
  }
}

/**
 * One scan result. Infected: the scanned version is deleted (its ObjectRemoved event keeps usage
 * exact) and the rejection recorded, also when that version is already gone (a repeat whose first
 * delivery failed after the delete records it then). Failed: logged for an operator; the bucket
 * policy keeps the object from everyone. Clean or unscannable: storage serves (or holds) it by the
 * tag alone, nothing to do.
 */
async function handleScanResult(deps: EventsDeps, scan: ScanResultEvent) {
  const { level, owner } = scan.where;
  if (scan.result === 'FAILED' || scan.result === 'ACCESS_DENIED') {
    deps.log(SCAN_FAILED_MESSAGE, { result: scan.result, level });
    return;
  }
  if (scan.result !== 'THREATS_FOUND') return;
  if (!(await deleteScannedVersion(deps, scan))) return;
  const threats = scan.threats.length === 0 ? 'unnamed' : scan.threats.join(', ');
  await recordRemoval(
    deps,
    { key: scan.key, owner, level, at: scan.time },
    'malware',
    `threats found: ${threats}`,
  );
}

/** One message: a scan result, or an S3 notification of object events. */
async function handleMessage(deps: EventsDeps, unlimited: UnlimitedOwners, body: string) {
  const json = messageJson(body); // parsed once, for either kind of message
  if (isScanResultBody(json)) {
    const scan = parseScanResult(json, deps.bucket);
    if (scan !== undefined) await handleScanResult(deps, scan);
    return;
  }
  for (const event of eventsOfNotification(json, deps.bucket)) await handleEvent(deps, unlimited, event);
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
  const { log } = deps;
  const unlimited = unlimitedOwners(deps, deps.now ?? Date.now);
  return async (batch) => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of batch.Records) {
      try {
        await handleMessage(deps, unlimited, record.body);
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
