/**
 * The pieces of a SigV4 signature that both verifiers (S3's in `sigv4-header-signed.ts` and
 * `sigv4-presigned.ts`, the JSON services' in `aws-json.ts`) read alike: the `Authorization`
 * header's fields, the credential scope, `X-Amz-Date`, the signed-header list, and the constant-time
 * comparison of signatures. Each verifier words its own errors, as the services it stands for do.
 */
import { timingSafeEqual } from 'node:crypto';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
/** A `;`-separated list of lowercase header names (HTTP token characters). */
export const SIGNED_HEADERS = /^[a-z0-9!#$%&'*+.^_`|~-]+(;[a-z0-9!#$%&'*+.^_`|~-]+)*$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const HEX_SIGNATURE = /^[0-9a-f]{64}$/;

export function parseAmzDate(value: string | undefined): Date | undefined {
  const match = value === undefined ? null : AMZ_DATE.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number);
  const date = new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day, hour, minute, second));
  // Reject dates that do not round-trip (month 13, Feb 30...).
  return date.toISOString().replace(/[-:]|\.\d{3}/g, '') === value ? date : undefined;
}

/** `{accessKeyId}/{date}/{region}/{service}/{terminator}`, split. */
export interface ParsedCredential {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly terminator: string;
}

export function parseCredential(value: string): ParsedCredential | undefined {
  const parts = value.split('/');
  if (parts.length !== 5 || parts.some((part) => part === '')) return undefined;
  const [accessKeyId, date, region, service, terminator] = parts as [string, string, string, string, string];
  return { accessKeyId, date, region, service, terminator };
}

/**
 * The `name=value` fields of an `Authorization: AWS4-HMAC-SHA256 ...` header (the caller has
 * checked the algorithm); `malformed` words the error for a field that is not a pair.
 */
export function authorizationFields(
  authorization: string,
  malformed: (field: string) => Error,
): Map<string, string> {
  const fields = new Map<string, string>();
  for (const part of authorization.slice(ALGORITHM.length + 1).split(',')) {
    const equals = part.indexOf('=');
    if (equals === -1) throw malformed(part.trim());
    fields.set(part.slice(0, equals).trim(), part.slice(equals + 1).trim());
  }
  return fields;
}

/** The signature a re-signed request's `Authorization` header carries, if any. */
export function signatureOf(authorization: unknown): string | undefined {
  return /Signature=([0-9a-f]{64})$/.exec(String(authorization))?.[1];
}

/** Compares a computed signature with the client's in constant time. */
export function signaturesEqual(expected: string, provided: string): boolean {
  if (!HEX_SIGNATURE.test(provided)) return false;
  return timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(provided, 'hex'));
}
