/**
 * Malware scanning, as storage records it: GuardDuty Malware Protection for S3 (or, locally, the
 * stack's scanner) tags each new object in a scanned prefix with `GuardDutyMalwareScanStatus`, and
 * the bucket policy serves an object only once that tag says it is safe. What the API reports
 * (`scan`) is read from the same tag, so the API and storage cannot disagree.
 */
import * as z from 'zod';
import { ALL_LEVELS } from './keys';

/** The tag GuardDuty writes on each scanned object (its name is GuardDuty's, not ours). */
export const SCAN_TAG = 'GuardDutyMalwareScanStatus';

/** The values GuardDuty writes in `SCAN_TAG`. */
export const SCAN_RESULTS = [
  'NO_THREATS_FOUND',
  'THREATS_FOUND',
  'UNSUPPORTED',
  'ACCESS_DENIED',
  'FAILED',
] as const;
export type ScanResult = (typeof SCAN_RESULTS)[number];

/** What the API reports: `pending` until the scanner tagged the object. */
export const SCAN_STATUSES = ['pending', 'clean', 'infected', 'unsupported', 'failed'] as const;
export type ScanStatus = (typeof SCAN_STATUSES)[number];

/** EventBridge's `detail-type` of a GuardDuty scan result (and of the local scanner's). */
export const SCAN_RESULT_DETAIL_TYPE = 'GuardDuty Malware Protection Object Scan Result';
export const SCAN_RESULT_SOURCE = 'aws.guardduty';

/** GuardDuty protects at most this many prefixes of a bucket. */
export const MAX_SCAN_PREFIXES = 5;
const MAX_PREFIX_LENGTH = 1024;

/**
 * Each prefix names a level, so a scanned prefix can never span two owners' rules by accident. No
 * `*`, `?` or `$`: the bucket policy would read them as wildcards and `${…}` variables, while
 * GuardDuty and `isScanned` read them literally, so the two would hold different objects.
 */
const prefix = z
  .string()
  .max(MAX_PREFIX_LENGTH, `each prefix must be at most ${MAX_PREFIX_LENGTH} characters`)
  .refine(
    (value) => !/[*?$]/.test(value),
    'each prefix must not contain *, ? or $ (a bucket policy would read them as wildcards or variables; prefixes are literal)',
  )
  .refine(
    (value) => ALL_LEVELS.some((level) => value.startsWith(`${level}/`)),
    `each prefix must start with a level and a slash (${ALL_LEVELS.map((level) => `${level}/`).join(', ')})`,
  );

/** The deployment's scanning settings: what `malwareScanning` resolves to. */
export const ScanSettingsSchema = z.strictObject({
  /** Key prefixes scanned (and held until clean); empty: the whole bucket. */
  prefixes: z
    .array(prefix)
    .max(MAX_SCAN_PREFIXES, `must list at most ${MAX_SCAN_PREFIXES} prefixes`)
    .default([]),
  /** What to do with a file GuardDuty cannot scan (encrypted archives, oversized files). */
  onUnsupported: z.enum(['serve', 'block'], 'must be "serve" or "block"').default('block'),
});
export type ScanSettings = z.output<typeof ScanSettingsSchema>;
export type ScanSettingsInput = z.input<typeof ScanSettingsSchema>;

/** The tag values storage serves: clean, and with `onUnsupported: 'serve'` unscannable too. */
export function servableResults(settings: Pick<ScanSettings, 'onUnsupported'>): ScanResult[] {
  return settings.onUnsupported === 'serve' ? ['NO_THREATS_FOUND', 'UNSUPPORTED'] : ['NO_THREATS_FOUND'];
}

/** Whether `key` is in a scanned prefix (held until clean). */
export function isScanned(settings: Pick<ScanSettings, 'prefixes'>, key: string): boolean {
  return settings.prefixes.length === 0 || settings.prefixes.some((value) => key.startsWith(value));
}

/** The API's status for an object's scan tag (absent: not scanned yet). An unknown value is `failed`. */
export function scanStatusOf(tagValue: string | undefined): ScanStatus {
  switch (tagValue) {
    case undefined:
      return 'pending';
    case 'NO_THREATS_FOUND':
      return 'clean';
    case 'THREATS_FOUND':
      return 'infected';
    case 'UNSUPPORTED':
      return 'unsupported';
    default:
      return 'failed';
  }
}

/** Whether storage serves an object with this status under these settings (`servableResults`). */
export function isServable(settings: Pick<ScanSettings, 'onUnsupported'>, status: ScanStatus): boolean {
  return servableResults(settings).some((result) => scanStatusOf(result) === status);
}
