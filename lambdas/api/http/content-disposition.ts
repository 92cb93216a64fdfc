/**
 * `Content-Disposition` for a download (RFC 6266): `attachment` or `inline`, with an optional name as
 * an ASCII `filename` fallback for old clients and the exact name as `filename*` (RFC 8187, UTF-8,
 * percent-encoded).
 */
import { ValidationError } from '../../../shared/domain/errors';

const MAX_FILENAME_LENGTH = 255;

// Control characters and bidi overrides (a name must look like what it is), quotes and backslashes
// (they would end or escape the quoted fallback) and slashes (a name, not a path).
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069"\\/]/u;
const COMBINING_MARKS = /[\u0300-\u036f]/g;
// Printable ASCII minus `"`, `\` and `/` (compatibility decomposition can produce them from
// fullwidth forms) and `%` (some browsers percent-decode the plain `filename` parameter).
const NOT_PLAIN_ASCII = /[^\x20\x21\x23\x24\x26-\x2e\x30-\x5b\x5d-\x7e]/g;

export type DispositionType = 'attachment' | 'inline';

export function contentDisposition(type: DispositionType, filename?: string, field = 'filename'): string {
  return filename === undefined ? type : `${type}; ${filenameParameters(filename, field)}`;
}

function filenameParameters(filename: string, field: string): string {
  if (filename.length === 0 || filename.length > MAX_FILENAME_LENGTH) {
    throw ValidationError.of(field, `must be 1 to ${MAX_FILENAME_LENGTH} characters`);
  }
  if (!filename.isWellFormed()) throw ValidationError.of(field, 'must be valid Unicode');
  if (FORBIDDEN.test(filename)) {
    throw ValidationError.of(field, 'must not contain control characters, quotes, slashes or backslashes');
  }
  if (filename === '.' || filename === '..') throw ValidationError.of(field, 'must be a file name');
  const fallback = filename.normalize('NFKD').replace(COMBINING_MARKS, '').replace(NOT_PLAIN_ASCII, '_');
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
