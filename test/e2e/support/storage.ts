/**
 * Plain HTTP on the URLs the API returns, the way an app uses them, plus the small helpers the
 * storage assertions need (S3 error codes, owner swapping in a URL, unique keys).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { components } from '../../../shared/api/schema';

export type Presigned = components['schemas']['PresignedRequest'];
export type Level = components['schemas']['Level'];

export const LEVELS: readonly Level[] = ['private', 'protected', 'public'];

/** A prefix no other run or test file shares, so listings and cleanup stay scoped. */
export function runPrefix(name: string): string {
  return `e2e-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}/${name}/`;
}

export function randomBody(size: number): Uint8Array {
  return new Uint8Array(randomBytes(size));
}

export function sha256Base64(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('base64');
}

export interface SendOptions {
  /** Replaces the URL (for tampering). */
  readonly url?: string;
  readonly method?: string;
  readonly body?: Uint8Array;
  /** Replaces the returned headers entirely when given. */
  readonly headers?: Record<string, string>;
}

/**
 * Sends the presigned request with exactly the returned headers (or the given replacements).
 * `fetch` derives Content-Length from the body itself, so a signed Content-Length is left to it:
 * a body of another length then goes out with another (unsigned) length, as a tampering client's would.
 */
export async function send(presigned: Presigned, options: SendOptions = {}): Promise<Response> {
  const headers = Object.fromEntries(
    Object.entries(options.headers ?? presigned.headers).filter(
      ([name]) => name.toLowerCase() !== 'content-length',
    ),
  );
  return fetch(options.url ?? presigned.url, {
    method: options.method ?? presigned.method,
    headers,
    ...(options.body ? { body: options.body } : {}),
  });
}

/** The `<Code>` of an S3 XML error body ('' when there is none). */
export async function s3ErrorCode(response: Response): Promise<string> {
  const text = await response.text();
  return /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? '';
}

/**
 * The same URL with `from`'s folder swapped for `to`'s: what a client that edits a presigned URL's
 * path sends. Identity IDs contain `:`, which SDKs percent-encode in paths.
 */
export function swapOwner(url: string, from: string, to: string): string {
  const parsed = new URL(url);
  const before = parsed.pathname;
  parsed.pathname = before.replaceAll(encodeURIComponent(from), encodeURIComponent(to)).replaceAll(from, to);
  if (parsed.pathname === before) throw new Error('the URL does not name the owner to swap');
  return parsed.toString();
}

/** A key as it goes in a URL path: each `/`-separated segment percent-encoded. */
export function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

/** The same URL addressing another key of the same folder. */
export function swapKey(url: string, fromKey: string, toKey: string): string {
  const parsed = new URL(url);
  if (!parsed.pathname.endsWith(encodeKey(fromKey))) throw new Error('the URL does not end with the key');
  parsed.pathname = parsed.pathname.slice(0, -encodeKey(fromKey).length) + encodeKey(toKey);
  return parsed.toString();
}

/** Waits `ms` (none when it is negative: a deadline already past). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
