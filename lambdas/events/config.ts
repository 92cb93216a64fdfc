/**
 * The events function's configuration, parsed once at init; a bad variable fails the cold start,
 * naming it. The upload rules and quotas are the API function's, so both apply the same limits.
 */
import * as z from 'zod';
import { MAX_SINGLE_PUT_BYTES } from '../../shared/domain/limits';
import type { Quota } from '../../shared/domain/quota';
import {
  describeRuleIssues,
  resolveUploadRules,
  type UploadRules,
  UploadRulesSchema,
} from '../../shared/domain/upload-rules';

export interface EventsConfig {
  readonly region: string;
  readonly bucketName: string;
  readonly ledgerTable: string;
  readonly quota: Quota;
  readonly uploadRules: UploadRules;
}

const count = (what: string) =>
  z.preprocess(
    (value) => (value === '' ? undefined : value),
    z
      .string()
      .regex(/^\d{1,16}$/, `must be a whole number of ${what}`)
      .transform(Number)
      .optional(),
  );

const EnvSchema = z.object({
  AWS_REGION: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, 'must be an AWS region'),
  BUCKET_NAME: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name'),
  LEDGER_TABLE: z.string().regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'must be a DynamoDB table name'),
  QUOTA_BYTES: count('bytes'),
  QUOTA_OBJECTS: count('objects'),
  MAX_UPLOAD_BYTES: z.preprocess(
    (value) => (value === '' || value === undefined ? String(104_857_600) : value),
    z
      .string()
      .regex(/^\d+$/, 'must be a whole number')
      .transform(Number)
      .pipe(z.number().int().min(0).max(MAX_SINGLE_PUT_BYTES)),
  ),
  UPLOAD_RULES: z.string().optional(),
});

export function loadEventsConfig(env: Record<string, string | undefined> = process.env): EventsConfig {
  const result = EnvSchema.safeParse(env);
  const problems = (result.error?.issues ?? []).map(
    (issue) => `${String(issue.path[0] ?? '(env)')}: ${issue.message}`,
  );
  let rules: z.output<typeof UploadRulesSchema> | undefined;
  const raw = env.UPLOAD_RULES;
  if (raw !== undefined && raw.trim() !== '') {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      problems.push('UPLOAD_RULES: must be JSON');
    }
    const parsed = UploadRulesSchema.safeParse(json);
    if (parsed.success) rules = parsed.data;
    else if (json !== undefined) problems.push(...describeRuleIssues(parsed.error, 'UPLOAD_RULES'));
  }
  if (!result.success || problems.length > 0) {
    throw new Error(`Invalid configuration: ${problems.join('; ')}`);
  }
  const env2 = result.data;
  return {
    region: env2.AWS_REGION,
    bucketName: env2.BUCKET_NAME,
    ledgerTable: env2.LEDGER_TABLE,
    quota: {
      ...(env2.QUOTA_BYTES === undefined ? {} : { bytes: env2.QUOTA_BYTES }),
      ...(env2.QUOTA_OBJECTS === undefined ? {} : { objects: env2.QUOTA_OBJECTS }),
    },
    uploadRules: resolveUploadRules(rules, env2.MAX_UPLOAD_BYTES),
  };
}
