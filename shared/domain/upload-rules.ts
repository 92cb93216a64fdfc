/**
 * Per-level upload rules: the largest object and the content types each access level accepts. One
 * zod schema serves the construct's props (checked at synth) and the function's `UPLOAD_RULES`
 * variable (checked at init); `checkUpload` applies the rules to a request before anything is signed.
 */
import * as z from 'zod';
import { PayloadTooLargeError, ValidationError } from './errors';
import { LEVELS, type Level } from './keys';
import { MAX_OBJECT_BYTES } from './limits';
import { inMediaRange, MEDIA_RANGE, mediaTypeEssence } from './media-types';

export interface LevelUploadRule {
  /** Largest object, in bytes, an upload URL of this level is signed for. */
  readonly maxUploadBytes: number;
  /** `type/subtype` or `type/*` entries, lower case; undefined: any content type. */
  readonly allowedContentTypes?: readonly string[];
}

export type UploadRules = Readonly<Record<Level, LevelUploadRule>>;

const mediaRange = z
  .string({ error: 'must be a string' })
  .regex(MEDIA_RANGE, 'must be "type/subtype" or "type/*", without parameters')
  .refine((value) => !value.startsWith('*/'), 'must name a type ("*/*" is any type: leave the list out)')
  .transform((value) => value.toLowerCase());

const LevelRuleSchema = z.strictObject({
  maxUploadBytes: z
    .number({ error: 'must be a number of bytes' })
    .int('must be a whole number of bytes')
    .min(1, 'must be at least 1')
    .max(MAX_OBJECT_BYTES, `must be at most ${MAX_OBJECT_BYTES} (5 TiB, S3's largest object)`)
    .optional(),
  allowedContentTypes: z
    .array(mediaRange, { error: 'must be a list of content types' })
    .min(1, 'must list at least one content type (leave it out to allow any)')
    .transform((list) => [...new Set(list)])
    .optional(),
});

/** What a deployer writes: any level may be left out, and so may either rule of a level. */
export const UploadRulesSchema = z.strictObject({
  private: LevelRuleSchema.optional(),
  protected: LevelRuleSchema.optional(),
  public: LevelRuleSchema.optional(),
  groups: LevelRuleSchema.optional(),
});

export type UploadRulesInput = z.input<typeof UploadRulesSchema>;

/** Each issue as `prefix.path.to.value: message`, for a config or synth error. */
export function describeRuleIssues(error: z.ZodError, prefix: string): string[] {
  return error.issues.map((issue) => describeIssueAt(prefix, issue));
}

/** One issue as `prefix.path.to.value: message` (with the unknown keys named, if any). */
export function describeIssueAt(
  prefix: string,
  issue: {
    readonly path: readonly PropertyKey[];
    readonly message: string;
    readonly keys?: readonly string[];
  },
): string {
  const path = issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`));
  const keys = issue.keys ? ` (${issue.keys.join(', ')})` : '';
  return `${prefix}${path.join('')}: ${issue.message}${keys}`;
}

/** The rules of every level, `defaultMaxUploadBytes` wherever a level names no size. */
export function resolveUploadRules(
  input: z.output<typeof UploadRulesSchema> | undefined,
  defaultMaxUploadBytes: number,
): UploadRules {
  const rule = (level: Level): LevelUploadRule => {
    const given = input?.[level];
    return {
      maxUploadBytes: given?.maxUploadBytes ?? defaultMaxUploadBytes,
      ...(given?.allowedContentTypes ? { allowedContentTypes: given.allowedContentTypes } : {}),
    };
  };
  return Object.fromEntries(LEVELS.map((level) => [level, rule(level)])) as Record<Level, LevelUploadRule>;
}

/**
 * Refuses an upload outside its level's rules: a content type not listed (400, `contentType`;
 * compared on the lower-cased `type/subtype`, parameters ignored) or a size over the limit (413,
 * `size`). `contentType` has already been checked to be a media type.
 */
export function checkUpload(rules: UploadRules, level: Level, contentType: string, size: number): void {
  const rule = rules[level];
  const allowed = rule.allowedContentTypes;
  if (allowed !== undefined) {
    const essence = mediaTypeEssence(contentType);
    if (essence === undefined || !allowed.some((range) => inMediaRange(essence, range))) {
      throw ValidationError.of(
        'contentType',
        `${essence ?? 'this type'} is not accepted in level "${level}"; accepted: ${allowed.join(', ')}`,
      );
    }
  }
  if (size > rule.maxUploadBytes) {
    throw PayloadTooLargeError.of(
      'size',
      `must be at most ${rule.maxUploadBytes} bytes in level "${level}" (got ${size})`,
    );
  }
}
