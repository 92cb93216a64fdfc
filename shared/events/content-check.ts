/**
 * The check every stored object gets after its event: its level's rules (size, allowed types) and
 * whether its first bytes are what its declared type says. Binary types with a signature (images,
 * video, audio, PDF, ZIP) must sniff as that type; text types have no signature, so they must only
 * not sniff as a binary format (an image or archive labelled text/plain is refused). Types browsers
 * sniff anyway (`application/octet-stream`) make no claim and are not compared.
 */
import { fileTypeFromBuffer } from 'file-type';
import { type AnyLevel, SHARED_LEVEL } from '../domain/keys';
import { inMediaRange, mediaTypeEssence } from '../domain/media-types';
import type { UploadRules } from '../domain/upload-rules';

/** Why the events function removed an object: a rule after upload, or the malware scan (`malware`). */
export type RejectionReason =
  | 'too_large'
  | 'type_not_allowed'
  | 'content_mismatch'
  | 'quota_exceeded'
  | 'malware';

export type Verdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: RejectionReason; readonly detail: string };

/** file-type finds every signature it knows within this many leading bytes. */
export const SNIFF_BYTES = 4100;

const EQUIVALENT: readonly (readonly string[])[] = [
  ['image/jpeg', 'image/jpg', 'image/pjpeg'],
  ['image/heic', 'image/heif', 'image/heic-sequence', 'image/heif-sequence'],
  ['video/mp4', 'video/quicktime', 'video/x-m4v', 'audio/mp4', 'audio/x-m4a'],
  [
    'application/zip',
    'application/x-zip-compressed',
    'application/epub+zip',
    'application/java-archive',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  ],
];

/** Types that carry a signature: a declared one of these must sniff as it. */
function hasSignature(essence: string): boolean {
  return (
    (/^(image|video|audio)\//.test(essence) && essence !== 'image/svg+xml') ||
    essence === 'application/pdf' ||
    EQUIVALENT.some((group) => group.includes(essence))
  );
}

function isTextual(essence: string): boolean {
  return (
    essence.startsWith('text/') ||
    /^application\/(json|xml|javascript|ecmascript|x-www-form-urlencoded|yaml|x-yaml|toml|csv)$/.test(
      essence,
    ) ||
    essence.endsWith('+xml') ||
    essence.endsWith('+json')
  );
}

/** Sniffed types that are text themselves (file-type recognizes XML and a few text formats). */
const TEXT_SNIFFS = new Set([
  'application/xml',
  'text/xml',
  'image/svg+xml',
  'application/rtf',
  'text/calendar',
  'text/vcard',
]);

function sameType(declared: string, sniffed: string): boolean {
  if (declared === sniffed) return true;
  return EQUIVALENT.some((group) => group.includes(declared) && group.includes(sniffed));
}

export interface StoredObjectFacts {
  /** A share has no rules of its own: it is a copy of an object its level's rules admitted. */
  readonly level: AnyLevel;
  readonly size: number;
  readonly contentType: string | undefined;
  /** The object's first bytes (up to SNIFF_BYTES). */
  readonly head: Uint8Array;
}

export async function checkStoredObject(rules: UploadRules, facts: StoredObjectFacts): Promise<Verdict> {
  const rule = facts.level === SHARED_LEVEL ? undefined : rules[facts.level];
  if (rule !== undefined && facts.size > rule.maxUploadBytes) {
    return {
      ok: false,
      reason: 'too_large',
      detail: `${facts.size} bytes is over ${rule.maxUploadBytes} in level "${facts.level}"`,
    };
  }
  const declared = mediaTypeEssence(facts.contentType ?? 'application/octet-stream');
  if (declared === undefined) {
    return { ok: false, reason: 'type_not_allowed', detail: 'the stored content type is not a media type' };
  }
  const allowed = rule?.allowedContentTypes;
  if (allowed !== undefined && !allowed.some((range) => inMediaRange(declared, range))) {
    return {
      ok: false,
      reason: 'type_not_allowed',
      detail: `${declared} is not accepted in level "${facts.level}"`,
    };
  }
  if (facts.size === 0) return { ok: true };
  const sniffed = (await fileTypeFromBuffer(facts.head))?.mime;
  if (hasSignature(declared)) {
    if (sniffed === undefined || !sameType(declared, sniffed)) {
      return {
        ok: false,
        reason: 'content_mismatch',
        detail: `declared ${declared}, content is ${sniffed ?? 'not recognizable as that type'}`,
      };
    }
    return { ok: true };
  }
  if (isTextual(declared) && sniffed !== undefined && !TEXT_SNIFFS.has(sniffed)) {
    return { ok: false, reason: 'content_mismatch', detail: `declared ${declared}, content is ${sniffed}` };
  }
  return { ok: true };
}
