/**
 * The function's configuration, parsed once from the environment at init. A bad or missing variable
 * fails the cold start with one message naming every problem, instead of surfacing per request.
 */
import * as z from 'zod';
import { MAX_SIGV4_EXPIRES_SECONDS } from '../../shared/domain/expiry';
import { MAX_OBJECT_BYTES } from '../../shared/domain/limits';
import {
  describeRuleIssues,
  resolveUploadRules,
  type UploadRules,
  UploadRulesSchema,
} from '../../shared/domain/upload-rules';

export interface Config {
  readonly region: string;
  readonly userPoolId: string;
  /**
   * The app clients whose ID tokens this API serves (the identity pool's providers). API Gateway's
   * Cognito authorizer accepts a token of any app client of the pool, so the handler checks `aud`.
   */
  readonly userPoolClientIds: readonly string[];
  readonly identityPoolId: string;
  readonly bucketName: string;
  /** Exact origins (or `*`) whose browser calls get CORS headers. */
  readonly allowedOrigins: readonly string[];
  readonly maxUploadBytes: number;
  readonly defaultUrlLifetimeSeconds: number;
  readonly maxUrlLifetimeSeconds: number;
  /** The identity pool's `Logins` key for this user pool. */
  readonly loginsKey: string;
  /** DynamoDB table of the sub-to-identity directory; undefined: no directory. */
  readonly identityDirectoryTable?: string;

  // ---- Usage ledger and quotas ----
  /** DynamoDB table of the usage ledger; undefined: no quotas and no usage in `GET /me`. */
  readonly ledgerTable?: string;
  /** Per-user quota (`QUOTA_BYTES`, `QUOTA_OBJECTS`); a field left out is no limit. */
  readonly quota: { readonly bytes?: number; readonly objects?: number };

  // ---- Upload rules ----
  /** Per level: largest upload and accepted content types (`MAX_UPLOAD_BYTES` where unset). */
  readonly uploadRules: UploadRules;
  // ---- Access mode and sessions ----
  /** How the function obtains each caller's credentials (see README "Access modes"). */
  readonly accessMode: AccessMode;
  /** The identity pool's authenticated role, assumed through STS for each caller. */
  readonly authenticatedRoleArn: string;
  /** Requested STS session length, at most the role's maximum session duration. */
  readonly sessionDurationSeconds: number;
  /** Sealed mode only: the identity pool's developer provider name. */
  readonly developerProviderName?: string;
}

export const ACCESS_MODES = ['sealed', 'direct'] as const;
export type AccessMode = (typeof ACCESS_MODES)[number];

/** STS bounds on a role session (and on a role's MaxSessionDuration): 1 h to 12 h. */
export const MIN_SESSION_DURATION_SECONDS = 3_600;
export const MAX_SESSION_DURATION_SECONDS = 43_200;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** S3's single-PUT ceiling: a presigned PUT cannot carry more. */

const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

// Empty strings count as unset, so `VAR=` falls back to the default like an absent variable.
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

const integer = (min: number, max: number, fallback: number) =>
  optional(
    z
      .string()
      .regex(/^\d+$/, 'must be a whole number')
      .transform(Number)
      .pipe(z.number().int().min(min).max(max)),
  ).transform((value) => value ?? fallback);

const origin = z.string().refine((value) => {
  if (value === '*') return true;
  // middy would read `*` inside an origin as a wildcard pattern: only exact origins are listed.
  if (value.includes('*') || !URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
}, 'each origin must be "*" or exactly scheme://host[:port], with no path or trailing slash');

/** A comma-separated variable as its non-empty, trimmed entries. */
const commaList = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

const EnvSchema = z
  .object({
    AWS_REGION: z.string().regex(REGION, 'must be an AWS region such as us-east-1'),
    USER_POOL_ID: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}_[0-9A-Za-z]+$/, 'must look like us-east-1_AbC123'),
    USER_POOL_CLIENT_IDS: z
      .string()
      .transform(commaList)
      .pipe(
        z
          .array(z.string().regex(/^[\w+]{1,128}$/, 'each entry must be a Cognito app client ID'))
          .min(1, 'must list at least one app client ID'),
      ),
    IDENTITY_POOL_ID: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}:[0-9a-f-]+$/, 'must look like us-east-1:<uuid>'),
    BUCKET_NAME: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name'),
    ALLOWED_ORIGINS: z
      .string()
      .transform(commaList)
      .pipe(z.array(origin).min(1, 'must list at least one origin')),
    MAX_UPLOAD_BYTES: integer(0, MAX_OBJECT_BYTES, 104_857_600),
    DEFAULT_URL_LIFETIME_SECONDS: integer(1, MAX_SIGV4_EXPIRES_SECONDS, 900),
    MAX_URL_LIFETIME_SECONDS: integer(1, MAX_SIGV4_EXPIRES_SECONDS, 3600),
    IDENTITY_DIRECTORY_TABLE: optional(
      z.string().regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'must be a DynamoDB table name'),
    ),

    // ---- Storage events: the usage ledger and quotas ----
    LEDGER_TABLE: optional(z.string().regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'must be a DynamoDB table name')),
    QUOTA_BYTES: optional(
      z
        .string()
        .regex(/^\d{1,16}$/, 'must be a whole number of bytes')
        .transform(Number),
    ),
    QUOTA_OBJECTS: optional(
      z
        .string()
        .regex(/^\d{1,16}$/, 'must be a whole number of objects')
        .transform(Number),
    ),

    // ---- Access mode and sessions ----
    ACCESS_MODE: optional(z.enum(ACCESS_MODES, 'must be "sealed" or "direct"')).transform(
      (value) => value ?? 'sealed',
    ),
    AUTHENTICATED_ROLE_ARN: z
      .string()
      .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'must be an IAM role ARN'),
    SESSION_DURATION_SECONDS: integer(
      MIN_SESSION_DURATION_SECONDS,
      MAX_SESSION_DURATION_SECONDS,
      MAX_SESSION_DURATION_SECONDS,
    ),
    // Cognito's pattern for a developer provider name.
    DEVELOPER_PROVIDER_NAME: optional(
      z.string().regex(/^[\w._-]{1,100}$/, 'must be a developer provider name'),
    ),
  })
  .refine((env) => env.ACCESS_MODE !== 'sealed' || env.DEVELOPER_PROVIDER_NAME !== undefined, {
    path: ['DEVELOPER_PROVIDER_NAME'],
    message: 'is required when ACCESS_MODE is sealed',
  })
  .refine((env) => env.MAX_URL_LIFETIME_SECONDS <= env.SESSION_DURATION_SECONDS, {
    path: ['MAX_URL_LIFETIME_SECONDS'],
    message: 'must not exceed SESSION_DURATION_SECONDS: no URL outlives the credentials that sign it',
  })
  .refine((env) => env.DEFAULT_URL_LIFETIME_SECONDS <= env.MAX_URL_LIFETIME_SECONDS, {
    path: ['DEFAULT_URL_LIFETIME_SECONDS'],
    message: 'must not exceed MAX_URL_LIFETIME_SECONDS',
  })
  .refine(
    (env) =>
      env.LEDGER_TABLE !== undefined || (env.QUOTA_BYTES === undefined && env.QUOTA_OBJECTS === undefined),
    {
      path: ['LEDGER_TABLE'],
      message: 'must be set when QUOTA_BYTES or QUOTA_OBJECTS is',
    },
  )
  .refine((env) => env.USER_POOL_ID.startsWith(`${env.AWS_REGION}_`), {
    path: ['USER_POOL_ID'],
    message: 'must be in AWS_REGION',
  });

// ---- Upload rules ----
/** `UPLOAD_RULES`: JSON as `UploadRulesSchema` describes; unset or empty: no per-level rules. */
function parseUploadRulesVariable(raw: string | undefined) {
  if (raw === undefined || raw.trim() === '') return { rules: undefined, problems: [] };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { rules: undefined, problems: ['UPLOAD_RULES: must be JSON'] };
  }
  const result = UploadRulesSchema.safeParse(json);
  return result.success
    ? { rules: result.data, problems: [] }
    : { rules: undefined, problems: describeRuleIssues(result.error, 'UPLOAD_RULES') };
}

/** Parses the environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = EnvSchema.safeParse(env);
  const uploadRules = parseUploadRulesVariable(env.UPLOAD_RULES);
  if (!result.success || uploadRules.problems.length > 0) {
    const problems = (result.error?.issues ?? []).map(
      (issue) => `${String(issue.path[0] ?? '(env)')}: ${issue.message}`,
    );
    problems.push(...uploadRules.problems);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const parsed = result.data;
  return {
    region: parsed.AWS_REGION,
    userPoolId: parsed.USER_POOL_ID,
    userPoolClientIds: parsed.USER_POOL_CLIENT_IDS,
    identityPoolId: parsed.IDENTITY_POOL_ID,
    bucketName: parsed.BUCKET_NAME,
    allowedOrigins: parsed.ALLOWED_ORIGINS,
    maxUploadBytes: parsed.MAX_UPLOAD_BYTES,
    defaultUrlLifetimeSeconds: parsed.DEFAULT_URL_LIFETIME_SECONDS,
    maxUrlLifetimeSeconds: parsed.MAX_URL_LIFETIME_SECONDS,
    loginsKey: `cognito-idp.${parsed.AWS_REGION}.amazonaws.com/${parsed.USER_POOL_ID}`,
    ...(parsed.IDENTITY_DIRECTORY_TABLE ? { identityDirectoryTable: parsed.IDENTITY_DIRECTORY_TABLE } : {}),
    uploadRules: resolveUploadRules(uploadRules.rules, parsed.MAX_UPLOAD_BYTES),
    accessMode: parsed.ACCESS_MODE,
    authenticatedRoleArn: parsed.AUTHENTICATED_ROLE_ARN,
    sessionDurationSeconds: parsed.SESSION_DURATION_SECONDS,
    ...(parsed.DEVELOPER_PROVIDER_NAME ? { developerProviderName: parsed.DEVELOPER_PROVIDER_NAME } : {}),
    ...(parsed.LEDGER_TABLE ? { ledgerTable: parsed.LEDGER_TABLE } : {}),
    quota: {
      ...(parsed.QUOTA_BYTES === undefined ? {} : { bytes: parsed.QUOTA_BYTES }),
      ...(parsed.QUOTA_OBJECTS === undefined ? {} : { objects: parsed.QUOTA_OBJECTS }),
    },
  };
}
