/**
 * S3's CORS evaluation for the local gateway: the first rule whose origin, method and (for a
 * preflight) requested headers all match decides the response headers, as S3 documents it. The
 * rules are the bucket's own CORS configuration (`CORSRule` from the SDK's GetBucketCors).
 */
import type { CORSRule } from '@aws-sdk/client-s3';

/** `*` in an AllowedOrigin / AllowedHeader matches any run of characters (S3 allows one). */
function wildcardMatch(pattern: string, value: string, ignoreCase: boolean): boolean {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`, ignoreCase ? 'is' : 's').test(value);
}

export interface CorsRequest {
  readonly origin: string;
  /** The actual method, or a preflight's Access-Control-Request-Method. */
  readonly method: string;
  /** A preflight's Access-Control-Request-Headers, lowercase. */
  readonly requestHeaders?: readonly string[];
}

export function matchCorsRule(rules: readonly CORSRule[], request: CorsRequest): CORSRule | undefined {
  return rules.find(
    (rule) =>
      (rule.AllowedOrigins ?? []).some((origin) => wildcardMatch(origin, request.origin, false)) &&
      (rule.AllowedMethods ?? []).includes(request.method.toUpperCase()) &&
      (request.requestHeaders ?? []).every((header) =>
        (rule.AllowedHeaders ?? []).some((allowed) => wildcardMatch(allowed, header, true)),
      ),
  );
}

/** The response headers S3 adds for a matched rule. */
export function corsResponseHeaders(
  rule: CORSRule,
  request: CorsRequest,
  preflight: boolean,
): Record<string, string> {
  const anyOrigin = (rule.AllowedOrigins ?? []).includes('*');
  const headers: Record<string, string> = {
    'Access-Control-Allow-Origin': anyOrigin ? '*' : request.origin,
    'Access-Control-Allow-Methods': (rule.AllowedMethods ?? []).join(', '),
    Vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
  };
  if (!anyOrigin) headers['Access-Control-Allow-Credentials'] = 'true';
  if (rule.ExposeHeaders && rule.ExposeHeaders.length > 0) {
    headers['Access-Control-Expose-Headers'] = rule.ExposeHeaders.join(', ');
  }
  if (rule.MaxAgeSeconds !== undefined) headers['Access-Control-Max-Age'] = String(rule.MaxAgeSeconds);
  if (preflight && request.requestHeaders && request.requestHeaders.length > 0) {
    headers['Access-Control-Allow-Headers'] = request.requestHeaders.join(', ');
  }
  return headers;
}

/** Splits an Access-Control-Request-Headers value into lowercase names. */
export function parseRequestHeaders(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
}
