/**
 * The API function's configuration, read once at init from the variables the construct writes
 * (`shared/contract/environment.ts` defines them). A bad or missing variable fails the cold start
 * with one message naming every problem, instead of surfacing per request.
 */
import {
  ACCESS_MODES,
  type AccessMode,
  API_FUNCTION_VARIABLES,
  type ApiSettings,
  BOUNDS,
  ConfigError,
  type EnvironmentIssue,
  readEnvironment,
} from '../../shared/contract/environment';
import { type Quota, quotaOf } from '../../shared/domain/quota';
import type { ScanSettings } from '../../shared/domain/scan';
import { resolveUploadRules, type UploadRules } from '../../shared/domain/upload-rules';

export { ACCESS_MODES, type AccessMode, ConfigError };
export const MIN_SESSION_DURATION_SECONDS = BOUNDS.sessionDurationSeconds.min;
export const MAX_SESSION_DURATION_SECONDS = BOUNDS.sessionDurationSeconds.max;

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
  /** DynamoDB table of the usage ledger; undefined: no quotas and no usage in `GET /me`. */
  readonly ledgerTable?: string;
  /** Per-user quota (`QUOTA_BYTES`, `QUOTA_OBJECTS`); a field left out is no limit. */
  readonly quota: Quota;
  /**
   * Each group folder's quota (`GROUP_QUOTA_BYTES`, `GROUP_QUOTA_OBJECTS`), counted in the group's
   * partition `groups/{group}`; a field left out is no limit.
   */
  readonly groupQuota: Quota;
  /** Per level: largest upload and accepted content types (`MAX_UPLOAD_BYTES` where unset). */
  readonly uploadRules: UploadRules;
  /** How the function obtains each caller's credentials (see docs/access-modes.md). */
  readonly accessMode: AccessMode;
  /** The identity pool's authenticated role, assumed through STS for each caller. */
  readonly authenticatedRoleArn: string;
  /**
   * The identity pool's unauthenticated role, assumed for the deployment's one guest identity;
   * undefined: no guest access, and the guest routes are not served.
   */
  readonly unauthenticatedRoleArn?: string;
  /** Requested STS session length, at most the role's maximum session duration. */
  readonly sessionDurationSeconds: number;
  /** Sealed mode only: the identity pool's developer provider name. */
  readonly developerProviderName?: string;
  /** The bucket's lifecycle for unfinished multipart uploads: how long a reservation must last. */
  readonly incompleteUploadExpiryDays: number;
  /** The fleet-wide session store's table; undefined: sessions are cached per instance only. */
  readonly sessionTable?: string;
  /** The KMS key (ID or ARN) the store's data keys come from; set exactly when `sessionTable` is. */
  readonly sessionKeyId?: string;
  /**
   * Malware scanning (`MALWARE_SCANNING`): the prefixes storage holds until scanned clean, and what
   * it does with unscannable files; undefined: no scanning, and no scan status is read or reported.
   */
  readonly malwareScanning?: ScanSettings;
}

/** What no single variable can say: the rules between them. */
function crossChecks(env: ApiSettings): EnvironmentIssue[] {
  const issues: EnvironmentIssue[] = [];
  const fail = (key: keyof ApiSettings, message: string) => issues.push({ path: [key], message });
  if (env.accessMode === 'sealed' && env.developerProviderName === undefined) {
    fail('developerProviderName', 'is required when ACCESS_MODE is sealed');
  }
  if (env.maxUrlLifetimeSeconds > env.sessionDurationSeconds) {
    fail(
      'maxUrlLifetimeSeconds',
      'must not exceed SESSION_DURATION_SECONDS: no URL outlives the credentials that sign it',
    );
  }
  if (env.defaultUrlLifetimeSeconds > env.maxUrlLifetimeSeconds) {
    fail('defaultUrlLifetimeSeconds', 'must not exceed MAX_URL_LIFETIME_SECONDS');
  }
  if (env.ledgerTable === undefined && (env.quotaBytes !== undefined || env.quotaObjects !== undefined)) {
    fail('ledgerTable', 'must be set when QUOTA_BYTES or QUOTA_OBJECTS is');
  }
  if (!env.userPoolId.startsWith(`${env.region}_`)) fail('userPoolId', 'must be in AWS_REGION');
  if ((env.sessionTable === undefined) !== (env.sessionKeyId === undefined)) {
    fail('sessionTable', 'must be set together with SESSION_KEY_ID (the store encrypts every session)');
  }
  return issues;
}

/** Parses the environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const { quotaBytes, quotaObjects, groupQuotaBytes, groupQuotaObjects, uploadRules, ...settings } =
    readEnvironment(API_FUNCTION_VARIABLES, env, crossChecks);
  return {
    ...settings,
    loginsKey: `cognito-idp.${settings.region}.amazonaws.com/${settings.userPoolId}`,
    uploadRules: resolveUploadRules(uploadRules, settings.maxUploadBytes),
    quota: quotaOf(quotaBytes, quotaObjects),
    groupQuota: quotaOf(groupQuotaBytes, groupQuotaObjects),
  };
}
