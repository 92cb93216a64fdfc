/**
 * The events function's configuration, read once at init from the variables the construct writes
 * (`shared/contract/environment.ts`); a bad variable fails the cold start, naming it. The upload
 * rules and quotas are the API function's, read by the same parsers, so both apply the same limits.
 */
import { ConfigError, EVENTS_FUNCTION_VARIABLES, readEnvironment } from '../../shared/contract/environment';
import { type Quota, quotaOf } from '../../shared/domain/quota';
import { resolveUploadRules, type UploadRules } from '../../shared/domain/upload-rules';

export interface EventsConfig {
  readonly region: string;
  readonly bucketName: string;
  readonly ledgerTable: string;
  /** Each user's quota. */
  readonly quota: Quota;
  /** Each group folder's quota, counted in the group's partition `groups/{group}`. */
  readonly groupQuota: Quota;
  readonly uploadRules: UploadRules;
}

export function loadEventsConfig(env: Record<string, string | undefined> = process.env): EventsConfig {
  const settings = readEnvironment(EVENTS_FUNCTION_VARIABLES, env);
  // Optional for the API function (no ledger, no quotas); this function exists to keep the ledger.
  const { ledgerTable } = settings;
  if (ledgerTable === undefined) throw new ConfigError('Invalid configuration: LEDGER_TABLE: is required');
  return {
    region: settings.region,
    bucketName: settings.bucketName,
    ledgerTable,
    quota: quotaOf(settings.quotaBytes, settings.quotaObjects),
    groupQuota: quotaOf(settings.groupQuotaBytes, settings.groupQuotaObjects),
    uploadRules: resolveUploadRules(settings.uploadRules, settings.maxUploadBytes),
  };
}
