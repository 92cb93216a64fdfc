/**
 * The functions' environment, defined once: each variable's name, parser, bounds and default. The
 * construct writes it (`writeEnvironment`), each function reads it at init (`readEnvironment`), and
 * the local stack sets it through the same writer, so none of the three can drift from the others.
 * Reading what was written gives back the same values (test/unit/shared/contract/environment.test.ts).
 */
import * as z from 'zod';
import { MAX_SIGV4_EXPIRES_SECONDS } from '../domain/expiry';
import { MAX_OBJECT_BYTES } from '../domain/limits';
import { ScanSettingsSchema } from '../domain/scan';
import { describeIssueAt, UploadRulesSchema } from '../domain/upload-rules';

export const ACCESS_MODES = ['sealed', 'direct'] as const;
export type AccessMode = (typeof ACCESS_MODES)[number];

/** Bounds shared by the construct's prop validation and the functions' parsers. */
export const BOUNDS = {
  /** The level default and per-level sizes: up to S3's largest object (multipart above 5 GiB). */
  maxUploadBytes: { min: 1, max: MAX_OBJECT_BYTES },
  urlLifetimeSeconds: { min: 1, max: MAX_SIGV4_EXPIRES_SECONDS },
  /** STS bounds on a role session (and on a role's MaxSessionDuration): 1 h to 12 h. */
  sessionDurationSeconds: { min: 3_600, max: 43_200 },
  /** S3 lifecycle rules count whole days. */
  incompleteUploadExpiryDays: { min: 1, max: 3_650 },
} as const;

/** What a deployment gets when it says nothing. */
export const DEFAULTS = {
  maxUploadBytes: 100 * 1024 * 1024,
  defaultUrlLifetimeSeconds: 900,
  maxUrlLifetimeSeconds: 3_600,
  accessMode: 'sealed' as AccessMode,
  sessionDurationSeconds: BOUNDS.sessionDurationSeconds.max,
  incompleteUploadExpiryDays: 2,
  /** The web ACL's per-user rule: requests per `Authorization` header value in the window. */
  perUserRateLimit: { limit: 300, windowSeconds: 60 },
  /** The web ACL's guest rule: requests to the guest routes per client IP in the window. */
  guestRateLimit: { limit: 300, windowSeconds: 60 },
};

/** One variable: its name, how a function parses it, and how the construct writes it. */
interface Variable<T> {
  readonly name: string;
  readonly schema: z.ZodType<T>;
  readonly write: (value: NonNullable<T>) => string;
}

const variable = <T>(
  name: string,
  schema: z.ZodType<T>,
  write: (value: NonNullable<T>) => string = String,
): Variable<T> => ({ name, schema, write });

// Empty strings count as unset, so `VAR=` falls back to the default like an absent variable.
const unsetIfEmpty = (value: unknown) => (value === '' ? undefined : value);
const optional = <T>(schema: z.ZodType<T>) => z.preprocess(unsetIfEmpty, schema.optional());
const withDefault = <T>(schema: z.ZodType<T>, fallback: T) =>
  z.preprocess(unsetIfEmpty, schema.optional()).transform((value) => value ?? fallback);

const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
const count = (what: string) =>
  z
    .string()
    .regex(/^\d{1,16}$/, `must be a whole number of ${what}`)
    .transform(Number);

/** A comma-separated variable as its non-empty, trimmed entries. */
const commaList = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

const roleArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'must be an IAM role ARN');
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const tableName = z.string().regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'must be a DynamoDB table name');
const origin = z.string().refine((value) => {
  if (value === '*') return true;
  // middy would read `*` inside an origin as a wildcard pattern: only exact origins are listed.
  if (value.includes('*') || !URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
}, 'each origin must be "*" or exactly scheme://host[:port], with no path or trailing slash');

const json = z.string().transform((raw, ctx) => {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be JSON' });
    return z.NEVER;
  }
});

/**
 * Malware scanning: off when unset, `0` or `false`; `1` or `true` for the defaults (`true` and
 * `false` in any case, as the construct's context reader takes them); else the settings as JSON
 * (what the construct writes). The bucket policy enforces it either way: this tells the functions
 * what to report and expect.
 */
const malwareScanning = z.preprocess((value) => {
  if (typeof value !== 'string') return undefined;
  const word = value.trim().toLowerCase();
  if (['', '0', 'false'].includes(word)) return undefined;
  return ['1', 'true'].includes(word) ? '{}' : value;
}, json.pipe(ScanSettingsSchema).optional());

/** Every variable either function reads, by the name the settings give it. */
const VARIABLES = {
  region: variable('AWS_REGION', z.string().regex(REGION, 'must be an AWS region such as us-east-1')),
  userPoolId: variable(
    'USER_POOL_ID',
    z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}_[0-9A-Za-z]+$/, 'must look like us-east-1_AbC123'),
  ),
  userPoolClientIds: variable(
    'USER_POOL_CLIENT_IDS',
    z
      .string()
      .transform(commaList)
      .pipe(
        z
          .array(z.string().regex(/^[\w+]{1,128}$/, 'each entry must be a Cognito app client ID'))
          .min(1, 'must list at least one app client ID'),
      ),
    (ids) => ids.join(','),
  ),
  identityPoolId: variable(
    'IDENTITY_POOL_ID',
    z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}:[0-9a-f-]+$/, 'must look like us-east-1:<uuid>'),
  ),
  bucketName: variable(
    'BUCKET_NAME',
    z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name'),
  ),
  allowedOrigins: variable(
    'ALLOWED_ORIGINS',
    z.string().transform(commaList).pipe(z.array(origin).min(1, 'must list at least one origin')),
    (origins) => origins.join(','),
  ),
  maxUploadBytes: variable(
    'MAX_UPLOAD_BYTES',
    withDefault(wholeNumber(0, BOUNDS.maxUploadBytes.max), DEFAULTS.maxUploadBytes),
  ),
  defaultUrlLifetimeSeconds: variable(
    'DEFAULT_URL_LIFETIME_SECONDS',
    withDefault(wholeNumber(1, BOUNDS.urlLifetimeSeconds.max), DEFAULTS.defaultUrlLifetimeSeconds),
  ),
  maxUrlLifetimeSeconds: variable(
    'MAX_URL_LIFETIME_SECONDS',
    withDefault(wholeNumber(1, BOUNDS.urlLifetimeSeconds.max), DEFAULTS.maxUrlLifetimeSeconds),
  ),
  identityDirectoryTable: variable('IDENTITY_DIRECTORY_TABLE', optional(tableName)),
  ledgerTable: variable('LEDGER_TABLE', optional(tableName)),
  quotaBytes: variable('QUOTA_BYTES', optional(count('bytes'))),
  quotaObjects: variable('QUOTA_OBJECTS', optional(count('objects'))),
  // Per group folder (`groups/{group}/`), kept in the ledger like the per-user quota.
  groupQuotaBytes: variable('GROUP_QUOTA_BYTES', optional(count('bytes'))),
  groupQuotaObjects: variable('GROUP_QUOTA_OBJECTS', optional(count('objects'))),
  uploadRules: variable(
    'UPLOAD_RULES',
    z.preprocess(
      (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
      json.pipe(UploadRulesSchema).optional(),
    ),
    (rules) => JSON.stringify(rules),
  ),
  accessMode: variable(
    'ACCESS_MODE',
    withDefault(z.enum(ACCESS_MODES, 'must be "sealed" or "direct"'), DEFAULTS.accessMode),
  ),
  authenticatedRoleArn: variable('AUTHENTICATED_ROLE_ARN', roleArn),
  // Guest access is on exactly when the identity pool's unauthenticated role is given: a
  // deployment that forgets it serves no guest route (fails closed).
  unauthenticatedRoleArn: variable('UNAUTHENTICATED_ROLE_ARN', optional(roleArn)),
  sessionDurationSeconds: variable(
    'SESSION_DURATION_SECONDS',
    withDefault(
      wholeNumber(BOUNDS.sessionDurationSeconds.min, BOUNDS.sessionDurationSeconds.max),
      DEFAULTS.sessionDurationSeconds,
    ),
  ),
  // Cognito's pattern for a developer provider name.
  developerProviderName: variable(
    'DEVELOPER_PROVIDER_NAME',
    optional(z.string().regex(/^[\w._-]{1,100}$/, 'must be a developer provider name')),
  ),
  // The fleet-wide session store: both set, or neither (no store: each instance mints its own).
  sessionTable: variable('SESSION_TABLE', optional(tableName)),
  sessionKeyId: variable(
    'SESSION_KEY_ID',
    optional(
      z
        .string()
        .regex(
          /^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/)?[0-9a-f-]{36}$/,
          'must be a KMS key ID or key ARN',
        ),
    ),
  ),
  malwareScanning: variable('MALWARE_SCANNING', malwareScanning, (settings) => JSON.stringify(settings)),
  incompleteUploadExpiryDays: variable(
    'INCOMPLETE_UPLOAD_EXPIRY_DAYS',
    withDefault(
      wholeNumber(BOUNDS.incompleteUploadExpiryDays.min, BOUNDS.incompleteUploadExpiryDays.max),
      DEFAULTS.incompleteUploadExpiryDays,
    ),
  ),
};

type Name = keyof typeof VARIABLES;
type Output<N extends Name> = (typeof VARIABLES)[N] extends Variable<infer T> ? T : never;
type Required<N extends Name> = { [K in N as undefined extends Output<K> ? never : K]: Output<K> };
type Optional<N extends Name> = { [K in N as undefined extends Output<K> ? K : never]?: Output<K> };
/** The values one function's variables carry; a value that may be absent is an optional key. */
export type Settings<N extends Name> = Required<N> & Optional<N>;

/** What each function reads. The region is Lambda's own `AWS_REGION`, never written by the construct. */
export const API_FUNCTION_VARIABLES = [
  'region',
  'userPoolId',
  'userPoolClientIds',
  'identityPoolId',
  'bucketName',
  'allowedOrigins',
  'maxUploadBytes',
  'defaultUrlLifetimeSeconds',
  'maxUrlLifetimeSeconds',
  'identityDirectoryTable',
  'ledgerTable',
  'quotaBytes',
  'quotaObjects',
  'groupQuotaBytes',
  'groupQuotaObjects',
  'uploadRules',
  'accessMode',
  'authenticatedRoleArn',
  'unauthenticatedRoleArn',
  'sessionDurationSeconds',
  'developerProviderName',
  'incompleteUploadExpiryDays',
  'sessionTable',
  'sessionKeyId',
  'malwareScanning',
] as const satisfies readonly Name[];

export const EVENTS_FUNCTION_VARIABLES = [
  'region',
  'bucketName',
  'ledgerTable',
  'quotaBytes',
  'quotaObjects',
  'groupQuotaBytes',
  'groupQuotaObjects',
  'maxUploadBytes',
  'uploadRules',
] as const satisfies readonly Name[];

export type ApiSettings = Settings<(typeof API_FUNCTION_VARIABLES)[number]>;
export type EventsSettings = Settings<(typeof EVENTS_FUNCTION_VARIABLES)[number]>;
/** What the construct or the local stack writes: everything but the region Lambda sets. */
export type Written<S> = Omit<S, 'region'>;

/** The variables a function's settings become; absent values are left out. */
export function writeEnvironment(settings: Partial<Record<Name, unknown>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(settings)) {
    if (value === undefined || value === null) continue;
    const spec = VARIABLES[key as Name] as Variable<unknown>;
    env[spec.name] = spec.write(value);
  }
  return env;
}

/** A variable's name, for messages that point a deployer at it. */
export const variableName = (key: Name): string => VARIABLES[key].name;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A problem found across variables; `path` starts with the settings key it names. */
export type EnvironmentIssue = { readonly path: readonly PropertyKey[]; readonly message: string };

/**
 * Variables that mean nothing without another, checked by `readEnvironment` itself wherever both
 * are read, so no function can forget the rule: a group quota is counted in the ledger.
 */
const NEEDS: readonly { readonly needed: Name; readonly by: readonly Name[] }[] = [
  { needed: 'ledgerTable', by: ['groupQuotaBytes', 'groupQuotaObjects'] },
];

function missingNeeds(names: readonly Name[], settings: Partial<Record<Name, unknown>>): EnvironmentIssue[] {
  return NEEDS.filter(
    ({ needed, by }) =>
      names.includes(needed) &&
      settings[needed] === undefined &&
      by.some((key) => settings[key] !== undefined),
  ).map(({ needed, by }) => ({
    path: [needed],
    message: `must be set when ${by.map(variableName).join(' or ')} is`,
  }));
}

/**
 * Reads the named variables, then the contract's own rules between them (`NEEDS`) and the caller's
 * cross-variable `checks`. Throws one ConfigError naming every problem as `NAME: message` (nested
 * ones as `UPLOAD_RULES.public.maxUploadBytes: message`), so a bad deployment fails its cold start
 * instead of surfacing per request.
 */
export function readEnvironment<const N extends Name>(
  names: readonly N[],
  env: Record<string, string | undefined>,
  checks: (settings: Settings<N>) => readonly EnvironmentIssue[] = () => [],
): Settings<N> {
  const schema = z.object(Object.fromEntries(names.map((key) => [key, VARIABLES[key].schema])));
  const result = schema.safeParse(Object.fromEntries(names.map((key) => [key, env[VARIABLES[key].name]])));
  const settings = result.success
    ? (Object.fromEntries(
        Object.entries(result.data).filter(([, value]) => value !== undefined),
      ) as Settings<N>)
    : undefined;
  const issues =
    settings === undefined
      ? (result.error?.issues ?? [])
      : [...missingNeeds(names, settings), ...checks(settings)];
  if (settings !== undefined && issues.length === 0) return settings;
  throw new ConfigError(`Invalid configuration: ${issues.map(describeIssue).join('; ')}`);
}

function describeIssue(issue: EnvironmentIssue): string {
  const [key, ...rest] = issue.path;
  // Inside JSON the path says where; a list's entry is named by the message ("each entry ...").
  const path = key === 'uploadRules' || key === 'malwareScanning' ? rest : [];
  return describeIssueAt(VARIABLES[key as Name]?.name ?? '(env)', { ...issue, path });
}
