/**
 * GuardDuty's "Object Scan Result" event, as EventBridge delivers it to the events queue (the event
 * JSON is the SQS message body): built by the local scanner, parsed by the events function. Only
 * results for our own bucket, about an owner's object, become scan results; anything else is skipped.
 */
import * as z from 'zod';
import { SCAN_RESULT_DETAIL_TYPE, SCAN_RESULT_SOURCE, SCAN_RESULTS, type ScanResult } from '../domain/scan';
import { type KeyOwner, MalformedEventError, ownerOf } from './s3-event';

/**
 * What the events function logs for a FAILED or ACCESS_DENIED result, and the metric the deployment
 * counts those lines in (its alarm fires on the first): one definition for both sides.
 */
export const SCAN_FAILED_MESSAGE = 'scan failed';
export const SCAN_FAILURES_METRIC = 'ScanFailures';

export interface ScanResultEvent {
  /** The full S3 key (GuardDuty sends it as stored, not form-encoded). */
  readonly key: string;
  /** Where the key lives: its level, owner partition and path. */
  readonly where: KeyOwner;
  /** The scanned object's ETag, unquoted: a result is about that version of the key only. */
  readonly eTag: string;
  readonly result: ScanResult;
  /** Threat names, for the owner's rejection (GuardDuty's names, e.g. `EICAR-Test-File (not a virus)`). */
  readonly threats: readonly string[];
  readonly time: string;
}

const EventSchema = z.object({
  'detail-type': z.literal(SCAN_RESULT_DETAIL_TYPE),
  source: z.literal(SCAN_RESULT_SOURCE),
  time: z.string(),
  detail: z.object({
    scanStatus: z.string(),
    resourceType: z.literal('S3_OBJECT'),
    s3ObjectDetails: z.object({
      bucketName: z.string(),
      objectKey: z.string().min(1),
      eTag: z.string(),
      versionId: z.string().optional(),
    }),
    scanResultDetails: z.object({
      scanResultStatus: z.enum(SCAN_RESULTS),
      threats: z
        .array(z.object({ name: z.string() }))
        .nullish()
        .transform((threats) => threats ?? []),
    }),
  }),
});

type ScanResultDocument = z.input<typeof EventSchema> & {
  readonly version: '0';
  readonly id: string;
  readonly account: string;
  readonly region: string;
  readonly resources: string[];
};

/** Whether a message body is a scan-result event rather than an S3 notification. */
export function isScanResultBody(json: unknown): boolean {
  return (
    typeof json === 'object' &&
    json !== null &&
    (json as Record<string, unknown>)['detail-type'] === SCAN_RESULT_DETAIL_TYPE
  );
}

/**
 * The scan result of one event (already parsed JSON), or undefined when it is about another bucket
 * or a key outside owners' folders. Throws MalformedEventError for a document of another shape.
 */
export function parseScanResult(json: unknown, bucket: string): ScanResultEvent | undefined {
  const parsed = EventSchema.safeParse(json);
  if (!parsed.success) throw new MalformedEventError('a scan-result event is malformed');
  const { detail, time } = parsed.data;
  const { bucketName, objectKey, eTag } = detail.s3ObjectDetails;
  if (bucketName !== bucket) return undefined;
  const where = ownerOf(objectKey);
  if (!where) return undefined;
  return {
    key: objectKey,
    where,
    eTag: eTag.replace(/"/g, ''),
    result: detail.scanResultDetails.scanResultStatus,
    threats: detail.scanResultDetails.threats.map((threat) => threat.name),
    time,
  };
}

/** The event GuardDuty publishes after scanning one object (what the local scanner sends). */
export function scanResultDocument(input: {
  readonly id: string;
  readonly account: string;
  readonly region: string;
  readonly planArn: string;
  readonly bucket: string;
  readonly key: string;
  readonly eTag: string;
  readonly result: ScanResult;
  readonly threats: readonly string[];
  readonly time: string;
}): ScanResultDocument {
  return {
    version: '0',
    id: input.id,
    'detail-type': SCAN_RESULT_DETAIL_TYPE,
    source: SCAN_RESULT_SOURCE,
    account: input.account,
    time: input.time,
    region: input.region,
    resources: [input.planArn],
    detail: {
      scanStatus: input.result === 'FAILED' || input.result === 'ACCESS_DENIED' ? 'FAILED' : 'COMPLETED',
      resourceType: 'S3_OBJECT',
      s3ObjectDetails: { bucketName: input.bucket, objectKey: input.key, eTag: input.eTag },
      scanResultDetails: {
        scanResultStatus: input.result,
        threats: input.threats.length === 0 ? null : input.threats.map((name) => ({ name })),
      },
    },
  };
}
