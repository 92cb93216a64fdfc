/**
 * The events function on malware scan results (GuardDuty's "Object Scan Result" events, delivered
 * through the same queue), over a bucket in memory that honours `If-Match` on deletes as S3 does,
 * and a ledger in memory with the real rules: an infected object is deleted only while it is still
 * the scanned version, and its `malware` rejection recorded once however often the result arrives;
 * a failed scan is logged as `scan failed` and the object kept.
 */
import { DeleteObjectCommand, GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { Rejection } from '../../../../lambdas/aws/ledger';
import { createEventsHandler, type EventsLedger } from '../../../../lambdas/events/process';
import type { ScanResult } from '../../../../shared/domain/scan';
import { resolveUploadRules } from '../../../../shared/domain/upload-rules';
import { MemoryLedger } from '../../../../shared/events/ledger';
import { SCAN_FAILED_MESSAGE, scanResultDocument } from '../../../../shared/events/scan-result';

const USER = 'us-east-1:11111111-1111-4111-8111-111111111111';
const BUCKET = 'files';
const KEY = `private/${USER}/docs/report.pdf`;
const SCANNED_AT = '2026-12-01T00:01:00.000Z';

const s3Error = (name: string, status: number) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

/** The bucket: objects by key with their ETag; deletes honour `If-Match` (404 missing, 412 other). */
function bucket(options: { missingIs403?: boolean } = {}) {
  const objects = new Map<string, { eTag: string; body: Uint8Array }>();
  const deletes: Array<{ Key?: string; IfMatch?: string }> = [];
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
          ContentType: 'application/octet-stream',
          Body: { transformToByteArray: async () => found.body },
        };
      }
      throw new Error('not used here');
    },
  } as unknown as S3Client;
  return { s3, objects, deletes };
}

/** The ledger's rules in memory; rejections keyed as the table keys them (time and key), so a repeat overwrites. */
function memoryLedger() {
  const memory = new MemoryLedger();
  const rejections = new Map<string, Rejection & { owner: string }>();
  const failures = { recordRejection: 0 };
  const ledger: EventsLedger = {
    applyEvent: async (event) => (memory.apply(event) ? 'applied' : 'current'),
    entry: async (_owner, key) => memory.entries.get(key),
    usage: async (owner) => ({ usage: memory.usageOf(owner), quota: {}, version: 1 }),
    recordRejection: async (owner, rejection) => {
      if (failures.recordRejection > 0) {
        failures.recordRejection -= 1;
        throw s3Error('ProvisionedThroughputExceededException', 400);
      }
      rejections.set(`${owner}#${rejection.at}#${rejection.key}`, { owner, ...rejection });
    },
  };
  return { ledger, memory, rejections, failures };
}

function message(id: string, body: unknown): SQSEvent {
  return { Records: [{ messageId: id, body: JSON.stringify(body) } as SQSEvent['Records'][number]] };
}

function scanResult(input: {
  key?: string;
  eTag?: string;
  result: ScanResult;
  threats?: string[];
  bucket?: string;
}) {
  return scanResultDocument({
    id: 'evt-1',
    account: '123456789012',
    region: 'us-east-1',
    planArn: 'arn:aws:guardduty:us-east-1:123456789012:malware-protection-plan/abc',
    bucket: input.bucket ?? BUCKET,
    key: input.key ?? KEY,
    eTag: input.eTag ?? 'v1',
    result: input.result,
    threats: input.threats ?? [],
    time: SCANNED_AT,
  });
}

/** The S3 notification of one object event, as storage sends it. */
function notification(kind: 'created' | 'removed', sequencer: string, size = 0) {
  return {
    Records: [
      {
        eventSource: 'aws:s3',
        eventTime: '2026-12-01T00:00:00.000Z',
        eventName: kind === 'created' ? 'ObjectCreated:Put' : 'ObjectRemoved:Delete',
        s3: {
          bucket: { name: BUCKET },
          object: { key: encodeURIComponent(KEY).replace(/%2F/g, '/'), size, eTag: 'v1', sequencer },
        },
      },
    ],
  };
}

function setup(options: { missingIs403?: boolean } = {}) {
  const store = bucket(options);
  const ledger = memoryLedger();
  const logs: Array<{ message: string; fields: Record<string, unknown> }> = [];
  const handler = createEventsHandler({
    bucket: BUCKET,
    ledger: ledger.ledger,
    s3: store.s3,
    uploadRules: resolveUploadRules(undefined, 1000),
    quota: {},
    groupQuota: {},
    log: (text, fields) => logs.push({ message: text, fields }),
    now: () => 1_000_000,
  });
  const deliver = async (id: string, body: unknown) => (await handler(message(id, body))).batchItemFailures;
  store.objects.set(KEY, { eTag: 'v1', body: new Uint8Array([1, 2, 3]) });
  return { ...store, ...ledger, logs, deliver };
}

describe('scan results in the events function', () => {
  it('deletes an infected object, pinned to the scanned ETag, and records a malware rejection naming the threats', async () => {
    const { deliver, objects, deletes, rejections, logs } = setup();
    const failures = await deliver(
      'm1',
      scanResult({ result: 'THREATS_FOUND', threats: ['EICAR-Test-File (not a virus)', 'Trojan.X'] }),
    );
    expect(failures).toEqual([]);
    expect(objects.has(KEY)).toBe(false);
    expect(deletes).toEqual([{ Key: KEY, IfMatch: '"v1"' }]);
    expect([...rejections.values()]).toEqual([
      {
        owner: USER,
        key: KEY,
        level: 'private',
        reason: 'malware',
        detail: 'threats found: EICAR-Test-File (not a virus), Trojan.X',
        at: SCANNED_AT,
      },
    ]);
    expect(logs).toEqual([
      { message: 'object removed', fields: { owner: USER, level: 'private', reason: 'malware' } },
    ]);
  });

  it('leaves an object replaced since the scan to its own scan: no delete, no rejection', async () => {
    const { deliver, objects, rejections } = setup();
    objects.set(KEY, { eTag: 'v2', body: new Uint8Array([4]) });
    expect(await deliver('m1', scanResult({ result: 'THREATS_FOUND', eTag: 'v1' }))).toEqual([]);
    expect(objects.get(KEY)?.eTag).toBe('v2');
    expect(rejections.size).toBe(0);
  });

  it('is idempotent: a repeated result finds the version gone and rewrites the one rejection', async () => {
    const { deliver, deletes, rejections } = setup();
    const result = scanResult({ result: 'THREATS_FOUND', threats: ['X'] });
    expect(await deliver('m1', result)).toEqual([]);
    expect(await deliver('m2', result)).toEqual([]);
    expect(deletes).toEqual([
      { Key: KEY, IfMatch: '"v1"' },
      { Key: KEY, IfMatch: '"v1"' },
    ]);
    expect(rejections.size).toBe(1);
  });

  it('a repeat after the owner uploaded the key again deletes nothing of the new version', async () => {
    const { deliver, objects, rejections } = setup();
    const result = scanResult({ result: 'THREATS_FOUND', threats: ['X'] });
    expect(await deliver('m1', result)).toEqual([]);
    objects.set(KEY, { eTag: 'v2', body: new Uint8Array([4]) });
    expect(await deliver('m2', result)).toEqual([]);
    expect(objects.get(KEY)?.eTag).toBe('v2');
    expect(rejections.size).toBe(1);
  });

  it('records the rejection on redelivery when the first delivery failed after the delete', async () => {
    const { deliver, objects, rejections, failures } = setup();
    failures.recordRejection = 1;
    const result = scanResult({ result: 'THREATS_FOUND', threats: ['X'] });
    expect(await deliver('m1', result)).toEqual([{ itemIdentifier: 'm1' }]);
    expect(objects.has(KEY)).toBe(false);
    expect(rejections.size).toBe(0);
    expect(await deliver('m1', result)).toEqual([]);
    expect([...rejections.values()].map((rejection) => rejection.reason)).toEqual(['malware']);
  });

  it('without s3:ListBucket (a missing key is 403): gone once the ledger shows it deleted, else retried', async () => {
    const { deliver, objects, rejections } = setup({ missingIs403: true });
    objects.delete(KEY);
    const result = scanResult({ result: 'THREATS_FOUND', threats: ['X'] });
    expect(await deliver('m1', result)).toEqual([{ itemIdentifier: 'm1' }]);
    expect(rejections.size).toBe(0);
    expect(await deliver('n1', notification('created', '10', 3))).toEqual([]);
    expect(await deliver('n2', notification('removed', '20'))).toEqual([]);
    expect(await deliver('m1', result)).toEqual([]);
    expect(rejections.size).toBe(1);
  });

  it('keeps usage exact: the delete’s own removed event takes the object out of the ledger', async () => {
    const { deliver, memory } = setup();
    expect(await deliver('n1', notification('created', '10', 3))).toEqual([]);
    expect(memory.usageOf(USER)).toMatchObject({ bytes: 3, objects: 1 });
    expect(await deliver('m1', scanResult({ result: 'THREATS_FOUND' }))).toEqual([]);
    expect(await deliver('n2', notification('removed', '20'))).toEqual([]);
    expect(memory.usageOf(USER)).toMatchObject({ bytes: 0, objects: 0 });
  });

  it.each(['FAILED', 'ACCESS_DENIED'] as const)(
    '%s: logs "scan failed" with the result and level only, and keeps the object',
    async (result) => {
      const { deliver, objects, deletes, rejections, logs } = setup();
      expect(await deliver('m1', scanResult({ result }))).toEqual([]);
      expect(objects.has(KEY)).toBe(true);
      expect(deletes).toEqual([]);
      expect(rejections.size).toBe(0);
      expect(logs).toEqual([{ message: SCAN_FAILED_MESSAGE, fields: { result, level: 'private' } }]);
      expect(JSON.stringify(logs)).not.toContain('report.pdf');
    },
  );

  it.each(['NO_THREATS_FOUND', 'UNSUPPORTED'] as const)('%s: nothing to do', async (result) => {
    const { deliver, objects, deletes, rejections, logs } = setup();
    expect(await deliver('m1', scanResult({ result }))).toEqual([]);
    expect(objects.has(KEY)).toBe(true);
    expect(deletes).toEqual([]);
    expect(rejections.size).toBe(0);
    expect(logs).toEqual([]);
  });

  it.each([
    ['another bucket', { bucket: 'elsewhere' }],
    ['a key outside every owner’s folder', { key: 'stray/report.pdf' }],
  ])('skips a result about %s', async (_name, where) => {
    const { deliver, deletes, rejections } = setup();
    expect(await deliver('m1', scanResult({ result: 'THREATS_FOUND', ...where }))).toEqual([]);
    expect(deletes).toEqual([]);
    expect(rejections.size).toBe(0);
  });

  it('fails a malformed result (and only that message), like a malformed notification', async () => {
    const { deliver, deletes } = setup();
    const malformed = { ...scanResult({ result: 'THREATS_FOUND' }), detail: { scanStatus: 'COMPLETED' } };
    expect(await deliver('m1', malformed)).toEqual([{ itemIdentifier: 'm1' }]);
    expect(deletes).toEqual([]);
  });
});
