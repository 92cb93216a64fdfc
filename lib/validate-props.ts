import { type Duration, type RemovalPolicy, Token } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as z from 'zod';
import { ACCESS_MODES, type AccessMode, BOUNDS } from '../shared/contract/environment';
import type { Quota } from '../shared/domain/quota';
import { type ScanSettings, type ScanSettingsInput, ScanSettingsSchema } from '../shared/domain/scan';
import { describeRuleIssues, type UploadRulesInput, UploadRulesSchema } from '../shared/domain/upload-rules';
import type { GuestRateLimit, PerUserRateLimit } from './rate-limit';

/** `UserFilesApiProps` with every documented default filled in: what `validateProps` checks. */
export interface ResolvedProps {
  readonly allowedOrigins: readonly string[];
  readonly defaultUrlLifetime: Duration;
  readonly maxUrlLifetime: Duration;
  readonly maxUploadBytes: number;
  readonly removalPolicy: RemovalPolicy;
  readonly throttlingRateLimit: number;
  readonly throttlingBurstLimit: number;
  /** `false`: no per-user rule. */
  readonly perUserRateLimit: Required<PerUserRateLimit> | false;
  /** Guest routes, the unauthenticated role and the guest variable; `false`: none of them. */
  readonly guestAccess: boolean;
  /** `false`: no per-IP rule on the guest routes (there is none without guest access either). */
  readonly guestRateLimit: Required<GuestRateLimit> | false;
  readonly logRetention: logs.RetentionDays;
  /** As given: undefined leaves every level at `maxUploadBytes` and any content type. */
  readonly uploadRules: UploadRulesInput | undefined;
  readonly accessMode: AccessMode;
  readonly sessionDuration: Duration;
  /** `false`: no session table, no key, no session variables. */
  readonly sessionStore: boolean;
  readonly quota: Quota;
  /** Per team folder, counted in the ledger like `quota`. */
  readonly groupQuota: Quota;
  readonly incompleteUploadExpiryDays: number;
  /** `false`: no scanning; `true` is the schema's defaults (`{}`). */
  readonly malwareScanning: false | ScanSettingsInput;
}

/** Upload rules as the schema reads them (content types lower-cased, duplicates dropped). */
export type ParsedUploadRules = z.output<typeof UploadRulesSchema>;

/** What `validateProps` returns: origins without duplicates, upload rules and scan settings parsed. */
export interface ValidatedProps extends Omit<ResolvedProps, 'uploadRules' | 'malwareScanning'> {
  readonly uploadRules: ParsedUploadRules | undefined;
  /** Defaults filled in; undefined: no scanning. */
  readonly malwareScanning: ScanSettings | undefined;
}

const WAF_WINDOWS_SECONDS = [60, 120, 300, 600];

/**
 * Checks every prop before any resource exists, in a fixed order (the first bad prop is the one
 * reported), and throws an error naming the prop.
 */
export function validateProps(props: ResolvedProps): ValidatedProps {
  const allowedOrigins = validateOrigins(props.allowedOrigins);
  validateAccessMode(props.accessMode);
  validateSessionDuration(props.sessionDuration);
  validateLifetimes(props.defaultUrlLifetime, props.maxUrlLifetime, props.sessionDuration);
  validateMaxUploadBytes(props.maxUploadBytes);
  const uploadRules = validateUploadRules(props.uploadRules);
  validateIncompleteUploadExpiryDays(props.incompleteUploadExpiryDays);
  validateThrottling(props.throttlingRateLimit, props.throttlingBurstLimit);
  if (props.perUserRateLimit) validateRateLimit('perUserRateLimit', props.perUserRateLimit);
  // Checked even without guest access: a bad value is a mistake either way.
  if (props.guestRateLimit) validateRateLimit('guestRateLimit', props.guestRateLimit);
  validateQuota('quota', props.quota);
  validateQuota('groupQuota', props.groupQuota);
  const malwareScanning = validateMalwareScanning(props.malwareScanning);
  return { ...props, allowedOrigins, uploadRules, malwareScanning };
}

function validateOrigins(origins: readonly string[]): readonly string[] {
  if (origins.length === 0) {
    throw new Error('UserFilesApi: allowedOrigins must name at least one origin.');
  }
  for (const origin of origins) {
    if (Token.isUnresolved(origin)) {
      throw new Error('UserFilesApi: allowedOrigins must be literal strings, not tokens.');
    }
    if (origin.includes('*')) {
      throw new Error(
        `UserFilesApi: allowedOrigins may not contain '*' (got '${origin}'); list each origin.`,
      );
    }
    // Scheme, host and optional port, exactly as a browser sends it in `Origin`. The strict pattern
    // also keeps quotes and commas out of the header values and the comma-joined variable.
    if (!/^https?:\/\/(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/.test(origin)) {
      throw new Error(
        `UserFilesApi: '${origin}' is not an origin; use scheme://host[:port] in lower case, without a path.`,
      );
    }
  }
  return [...new Set(origins)];
}

function validateAccessMode(mode: string): void {
  if (!(ACCESS_MODES as readonly string[]).includes(mode)) {
    throw new Error(`UserFilesApi: accessMode must be 'sealed' or 'direct' (got '${mode}').`);
  }
}

/** STS and IAM bound a role session (and a role's MaxSessionDuration) to 1-12 hours. */
function validateSessionDuration(duration: Duration): void {
  const seconds = duration.toSeconds();
  const { min, max } = BOUNDS.sessionDurationSeconds;
  if (!Number.isInteger(seconds) || seconds < min || seconds > max) {
    throw new Error(
      `UserFilesApi: sessionDuration must be 1 to 12 hours in whole seconds (got ${seconds} s).`,
    );
  }
}

function validateLifetimes(defaultLifetime: Duration, maxLifetime: Duration, session: Duration): void {
  const defaultSeconds = defaultLifetime.toSeconds();
  const maxSeconds = maxLifetime.toSeconds();
  const sessionSeconds = session.toSeconds();
  const { min, max } = BOUNDS.urlLifetimeSeconds;
  if (!Number.isInteger(maxSeconds) || maxSeconds < min || maxSeconds > max) {
    throw new Error(
      `UserFilesApi: maxUrlLifetime must be 1 s to 7 days in whole seconds (got ${maxSeconds} s).`,
    );
  }
  if (maxSeconds > sessionSeconds) {
    throw new Error(
      `UserFilesApi: maxUrlLifetime (${maxSeconds} s) must not exceed sessionDuration (${sessionSeconds} s): no URL outlives the session that signs it.`,
    );
  }
  if (!Number.isInteger(defaultSeconds) || defaultSeconds < min || defaultSeconds > maxSeconds) {
    throw new Error(
      `UserFilesApi: defaultUrlLifetime must be 1 s to maxUrlLifetime in whole seconds (got ${defaultSeconds} s).`,
    );
  }
}

function validateMaxUploadBytes(bytes: number): void {
  const { min, max } = BOUNDS.maxUploadBytes;
  if (!Number.isSafeInteger(bytes) || bytes < min || bytes > max) {
    throw new Error(`UserFilesApi: maxUploadBytes must be an integer from 1 to 5 TiB (got ${bytes}).`);
  }
}

function validateUploadRules(rules: UploadRulesInput | undefined): ParsedUploadRules | undefined {
  return rules === undefined ? undefined : parseProp(UploadRulesSchema, rules, 'uploadRules');
}

/** The same schema the functions read `MALWARE_SCANNING` with, so both sides accept the same settings. */
function validateMalwareScanning(input: false | ScanSettingsInput): ScanSettings | undefined {
  return input === false ? undefined : parseProp(ScanSettingsSchema, input, 'malwareScanning');
}

/** `input` as `schema` reads it, or an error naming every issue under `prop`. */
function parseProp<Schema extends z.ZodType>(schema: Schema, input: unknown, prop: string): z.output<Schema> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new Error(`UserFilesApi: ${describeRuleIssues(result.error, prop).join('; ')}.`);
  }
  return result.data;
}

/** Whole days, at least 1 (S3's lifecycle rules count in days). */
function validateIncompleteUploadExpiryDays(days: number): void {
  const { min, max } = BOUNDS.incompleteUploadExpiryDays;
  if (!Number.isInteger(days) || days < min || days > max) {
    throw new Error(`incompleteUploadExpiryDays must be a whole number of days from 1 to 3650 (got ${days})`);
  }
}

function validateThrottling(rateLimit: number, burstLimit: number): void {
  if (!Number.isFinite(rateLimit) || rateLimit <= 0) {
    throw new Error(`UserFilesApi: throttlingRateLimit must be a positive number (got ${rateLimit}).`);
  }
  if (!Number.isSafeInteger(burstLimit) || burstLimit < 1) {
    throw new Error(`UserFilesApi: throttlingBurstLimit must be a positive integer (got ${burstLimit}).`);
  }
}

/** A WAF rate-based rule's bounds: its limit and its evaluation window. */
function validateRateLimit(
  prop: 'perUserRateLimit' | 'guestRateLimit',
  { limit, window }: Required<PerUserRateLimit | GuestRateLimit>,
): void {
  if (!Number.isSafeInteger(limit) || limit < 10 || limit > 2_000_000_000) {
    throw new Error(
      `UserFilesApi: ${prop}.limit must be an integer from 10 to 2,000,000,000 (got ${limit}).`,
    );
  }
  if (!WAF_WINDOWS_SECONDS.includes(window.toSeconds())) {
    throw new Error(
      `UserFilesApi: ${prop}.window must be 1, 2, 5 or 10 minutes (got ${window.toSeconds()} s).`,
    );
  }
}

function validateQuota(prop: 'quota' | 'groupQuota', quota: Quota): void {
  for (const [name, value] of Object.entries(quota)) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
      throw new Error(`UserFilesApi: ${prop}.${name} must be a whole number (got ${value}).`);
    }
  }
}
