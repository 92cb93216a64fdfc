/**
 * Session tags (principal tags): the limits and characters AWS allows them, and how an OpenID token
 * of the identity pool carries them (`https://aws.amazon.com/tags`). The identity pool puts them in
 * the token, STS turns them into the session's tags, and the S3 gateway reads them as
 * `aws:PrincipalTag/<key>`; each part reads them with these rules.
 */

/** A session's tags: key to value (session tags are single-valued). */
export type SessionTags = Readonly<Record<string, string>>;

const MAX_SESSION_TAGS = 50;
const MAX_KEY_LENGTH = 128;
const MAX_VALUE_LENGTH = 256;
/** AWS's tag characters: letters, spaces, digits and `_ . : / = + - @`. */
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** The OpenID token claim that carries principal tags, as Cognito writes it. */
export const TAGS_CLAIM = 'https://aws.amazon.com/tags';

/** The claim's value: `{ principal_tags: { key: [value] } }`. */
export interface TagsClaim {
  readonly principal_tags: Readonly<Record<string, readonly [string]>>;
}

/** A JSON object whose every value is a string (the shape of a tag map on the wire). */
export function isStringMap(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((item) => typeof item === 'string')
  );
}

/** Why `tags` are not valid principal tags (count, lengths, characters), or undefined if they are. */
export function sessionTagsProblem(tags: Readonly<Record<string, string>>): string | undefined {
  const entries = Object.entries(tags);
  if (entries.length > MAX_SESSION_TAGS) return `at most ${MAX_SESSION_TAGS} tags are allowed`;
  for (const [key, value] of entries) {
    if (key.length < 1 || key.length > MAX_KEY_LENGTH) {
      return `a tag key must have length between 1 and ${MAX_KEY_LENGTH}`;
    }
    if (value.length < 1 || value.length > MAX_VALUE_LENGTH) {
      return `a tag value must have length between 1 and ${MAX_VALUE_LENGTH}`;
    }
    if (!TAG_CHARACTERS.test(key) || !TAG_CHARACTERS.test(value)) {
      return `tag keys and values must satisfy the pattern ${TAG_CHARACTERS.source}`;
    }
  }
  return undefined;
}

/** The token claim for `tags`, or undefined when there are none (the token then has no claim). */
export function tagsClaim(tags: SessionTags): TagsClaim | undefined {
  const entries = Object.entries(tags);
  if (entries.length === 0) return undefined;
  // fromEntries defines own properties, so a key such as `__proto__` stays a plain key.
  return { principal_tags: Object.fromEntries(entries.map(([key, value]) => [key, [value] as const])) };
}

/**
 * The tags a token's claim carries: none when absent; undefined when the claim is malformed (not
 * `{ principal_tags: { key: [value] } }` with one value per key, or tags AWS would not allow).
 */
export function tagsFromClaim(claim: unknown): SessionTags | undefined {
  if (claim === undefined) return {};
  if (typeof claim !== 'object' || claim === null || Array.isArray(claim)) return undefined;
  const principalTags = (claim as { principal_tags?: unknown }).principal_tags;
  if (principalTags === undefined) return {};
  if (typeof principalTags !== 'object' || principalTags === null || Array.isArray(principalTags)) {
    return undefined;
  }
  const entries = Object.entries(principalTags).map(([key, values]) => [
    key,
    Array.isArray(values) && values.length === 1 ? values[0] : undefined,
  ]);
  const tags = Object.fromEntries(entries);
  return isStringMap(tags) && sessionTagsProblem(tags) === undefined ? tags : undefined;
}

/** A key that repeats an earlier one but for case, which AWS refuses (tag keys are case-insensitive). */
export function caseInsensitiveDuplicate(tags: SessionTags): string | undefined {
  const seen = new Set<string>();
  for (const key of Object.keys(tags)) {
    const folded = key.toLowerCase();
    if (seen.has(folded)) return key;
    seen.add(folded);
  }
  return undefined;
}
