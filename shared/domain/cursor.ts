/**
 * The opaque listing cursor: S3's continuation token wrapped with a digest of the folder it was
 * issued for (level, owner, prefix), so a cursor replayed against another folder or altered in
 * transit is refused as a 400 naming `cursor` instead of reaching S3. Pure: no AWS SDK.
 *
 * The digest is not a secret MAC and need not be: the caller's own IAM credentials still decide what
 * S3 lists. It only turns misuse into a precise client error.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from './errors';
import type { AnyLevel } from './keys';

export interface CursorScope {
  readonly level: AnyLevel;
  /** The owner's identity ID; in `shared`, `{owner}/{grantee}`. */
  readonly owner: string;
  /** The prefix relative to the owner's folder, as the caller sent it ('' for none). */
  readonly prefix: string;
}

const VERSION = 1;
/** Matches the `cursor` parameter's maxLength in openapi.yaml. */
export const MAX_CURSOR_LENGTH = 4096;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

function digest(scope: CursorScope, token: string): string {
  // NUL cannot occur in a level, an identity ID or a validated prefix, so the fields cannot blur.
  return createHash('sha256')
    .update(`${VERSION}\0${scope.level}\0${scope.owner}\0${scope.prefix}\0${token}`)
    .digest('base64url')
    .slice(0, 22);
}

export function encodeCursor(token: string, scope: CursorScope): string {
  const payload = JSON.stringify({ v: VERSION, t: token, d: digest(scope, token) });
  return Buffer.from(payload, 'utf8').toString('base64url');
}

/** The continuation token inside `cursor`; throws a ValidationError naming `field` otherwise. */
export function decodeCursor(cursor: unknown, scope: CursorScope, field = 'cursor'): string {
  const invalid = () =>
    ValidationError.of(
      field,
      'is not a cursor issued for this level, owner and prefix; start the listing again',
    );
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH) throw invalid();
  if (!BASE64URL.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof parsed !== 'object' || parsed === null) throw invalid();
  const { v, t, d } = parsed as Record<string, unknown>;
  if (v !== VERSION || typeof t !== 'string' || t.length === 0 || typeof d !== 'string') throw invalid();
  if (d !== digest(scope, t)) throw invalid();
  return t;
}
