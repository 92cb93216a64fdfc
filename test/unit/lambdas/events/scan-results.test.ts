/**
 * The events function on malware scan results (GuardDuty's "Object Scan Result" events, delivered
 * through the same queue), over a bucket in memory that honours `If-Match` on deletes as S3 does,
 * and a ledger in memory with the real rules: an infected object is deleted only while it is still
 * the scanned version, and its `malware` rejection recorded once however often the result arrives;
 * a failed scan is logged as `scan failed` and the object kept.
 */
import { describe, expect, it } from 'vitest';
import type { ScanResult } from '../../../../shared/domain/scan';
import { SCAN_FAILED_MESSAGE, scanResultDocument } from '../../../../shared/events/scan-result';
import { BUCKET, eventsHarness, s3Notification, USER } from '../../support/events-harness';

const KEY = `private/${USER}/docs/report.pdf`;
const SCANNED_AT = '2026-12-01T00:01:00.000Z';

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

/** The S3 notification of one object event on KEY, as storage sends it. */
function notification(kind: 'created' | 'removed', sequencer: string, size = 0) {
  return s3Notification({ kind, key: KEY, size, eTag: 'v1', sequencer });
}

/** The bucket holds KEY at ETag v1. */
function setup(options: { missingIs403?: boolean } = {}) {
  const harness = eventsHarness(options);
  harness.objects.set(KEY, { eTag: 'v1', body: new Uint8Array([1, 2, 3]) });
  return harness;
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
