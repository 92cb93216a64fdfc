/**
 * How the S3 door names things: path-style request paths split into bucket and key, keys and paths
 * re-encoded for moto, and the ARNs the policy is asked about.
 */
import { S3Error } from './errors';

export function objectArn(bucket: string, key: string): string {
  return `arn:aws:s3:::${bucket}/${key}`;
}

export function bucketArn(bucket: string): string {
  return `arn:aws:s3:::${bucket}`;
}

export function decodePathSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new S3Error(400, 'InvalidURI', "Couldn't parse the specified URI.");
  }
}

/** Splits a path-style request path into bucket and key (undefined for bucket-level requests). */
export function parsePath(rawPath: string): { bucket?: string; key?: string } {
  if (!rawPath.startsWith('/')) throw new S3Error(400, 'InvalidURI', "Couldn't parse the specified URI.");
  const rest = rawPath.slice(1);
  if (rest === '') return {};
  const slash = rest.indexOf('/');
  if (slash === -1) return { bucket: decodePathSegment(rest) };
  const bucket = decodePathSegment(rest.slice(0, slash));
  const key = decodePathSegment(rest.slice(slash + 1));
  return key === '' ? { bucket } : { bucket, key };
}

/**
 * A key as a path, each segment percent-encoded; `.` and `..` segments too, so no HTTP layer on
 * the way can resolve them into another key.
 */
export function encodeKey(key: string): string {
  return key
    .split('/')
    .map((segment) =>
      segment === '.' || segment === '..' ? segment.replaceAll('.', '%2E') : encodeURIComponent(segment),
    )
    .join('/');
}

/**
 * The path moto gets: the bucket and key that were authorized, re-encoded unambiguously, so moto
 * cannot decode the client's spelling of the path into a different key than the policy saw.
 */
export function upstreamPath(bucket: string, key: string | undefined): string {
  return `/${encodeURIComponent(bucket)}${key === undefined ? '' : `/${encodeKey(key)}`}`;
}
