/**
 * `upload()`: sends one file to the caller's folder through the API, the way a phone on a flaky
 * network needs it. Small bodies go in one presigned PUT; larger ones as a multipart upload whose
 * parts go in parallel, each checksummed (SHA-256, verified by storage), retried with backoff, and
 * resumable from an `UploadStore` after the process dies, for as long as the upload exists.
 *
 * Runs in browsers and in Node (20+): fetch, Blob and WebCrypto only, no AWS SDK. Memory stays
 * bounded: at most `concurrency` parts are read at a time. Node file sources and a file-backed
 * store are in `upload-node.ts`.
 *
 * This file is the entry point and the single-PUT path. Byte sources are in `byte-source.ts`, the
 * store in `upload-store.ts`, retries and requests in `upload-transport.ts`, and the multipart path
 * in `multipart-upload.ts`.
 */
import { type ByteSource, sha256Base64, sourceOf } from './byte-source';
import type { FilesClient } from './client';
import { multipartUpload } from './multipart-upload';
import type { components } from './schema';
import type { UploadStore } from './upload-store';
import { abortError, objectRequest, UploadTransport } from './upload-transport';

export { UploadError } from './upload-transport';

type Level = components['schemas']['Level'];

export interface UploadProgress {
  /** Bytes storage holds (parts done, including those found on resume). */
  readonly sentBytes: number;
  readonly totalBytes: number;
}

export interface UploadOptions {
  readonly client: FilesClient;
  readonly level: Level;
  /** In level `groups` only, and required there: the group whose folder it goes to. */
  readonly group?: string;
  /** Relative to the caller's folder (or the group's). */
  readonly key: string;
  readonly body: Blob | Uint8Array | ByteSource;
  readonly contentType: string;
  /** `false`: never replace an existing object (conflicts throw an UploadError with status 409). */
  readonly overwrite?: boolean;
  readonly onProgress?: (progress: UploadProgress) => void;
  /** Stops cleanly: in-flight requests are cancelled and a multipart upload stays resumable. */
  readonly signal?: AbortSignal;
  /** Parts in flight at once. @default 4 */
  readonly concurrency?: number;
  /** Keeps multipart handles so another process can resume. */
  readonly store?: UploadStore;
  /** Bodies above this go multipart. @default 8 MiB */
  readonly multipartThreshold?: number;
  /** Extra attempts for a failed part or a failed API call (5xx, network). @default 4 */
  readonly retries?: number;
  /** First retry delay; doubled each attempt, with jitter. @default 250 */
  readonly retryDelayMs?: number;
  /** The fetch used for storage (part and single PUTs). @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

export interface UploadResult {
  readonly level: Level;
  readonly key: string;
  readonly size: number;
  readonly etag: string;
  readonly multipart: boolean;
  /** Parts that were already in storage when this call started. */
  readonly resumedParts: number;
  /** Body bytes this call sent to storage (retries included). */
  readonly bytesSent: number;
}

const MIB = 1024 * 1024;

export async function upload(options: UploadOptions): Promise<UploadResult> {
  const source = sourceOf(options.body);
  const threshold = options.multipartThreshold ?? 8 * MIB;
  // One controller for everything this call starts: the caller's signal, or the first fatal error.
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) throw abortError(options.signal);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const transport = new UploadTransport(options, source, controller);
    return source.size <= threshold ? await single(transport) : await multipartUpload(transport);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    if (!controller.signal.aborted) controller.abort();
  }
}

/** The whole body in one presigned PUT. */
async function single(transport: UploadTransport): Promise<UploadResult> {
  const { client, level, key } = transport.options;
  const bytes = await transport.source.read(0, transport.source.size);
  const sha256 = await sha256Base64(bytes);
  const etag = await transport.retrying(async () => {
    // A fresh URL per attempt: an expired or refused one is not retried as is.
    const presigned = await transport.api('POST /files/uploads', () =>
      client.POST('/files/uploads', {
        body: objectRequest(transport.options, bytes.length, sha256),
        signal: transport.signal,
      }),
    );
    return transport.put(presigned.url, presigned.headers, bytes);
  });
  transport.progress(bytes.length);
  return {
    level,
    key,
    size: bytes.length,
    etag,
    multipart: false,
    resumedParts: 0,
    bytesSent: transport.bytesSent,
  };
}
