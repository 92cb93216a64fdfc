/**
 * `upload()`: sends one file to the caller's folder through the API, the way a phone on a flaky
 * network needs it. Small bodies go in one presigned PUT; larger ones as a multipart upload whose
 * parts go in parallel, each checksummed (SHA-256, verified by storage), retried with backoff, and
 * resumable from an `UploadStore` after the process dies, for as long as the upload exists.
 *
 * Runs in browsers and in Node (20+): fetch, Blob and WebCrypto only, no AWS SDK. Memory stays
 * bounded: at most `concurrency` parts are read at a time. Node file sources and a file-backed
 * store are in `upload-node.ts`.
 */
import type { FilesClient } from './client';
import type { components } from './schema';

type Level = components['schemas']['Level'];
type MultipartProgress = components['schemas']['MultipartProgress'];

/** Something to read byte ranges from: a Blob/File, a Uint8Array, or a file (`fileSource`). */
export interface ByteSource {
  readonly size: number;
  /** Bytes `[start, end)`. */
  read(start: number, end: number): Promise<Uint8Array>;
  /**
   * Identifies this content for resuming (a file's size and modification time, say): a changed
   * source starts a new upload instead of resuming an old one.
   */
  readonly fingerprint?: string;
}

/** Where handles of unfinished uploads are kept, so a new process can resume them. */
export interface UploadStore {
  get(id: string): Promise<string | undefined> | string | undefined;
  set(id: string, value: string): Promise<void> | void;
  delete(id: string): Promise<void> | void;
}

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

/** A refusal by the API or storage; `status`, `code` and `field` as in the problem document. */
export class UploadError extends Error {
  override name = 'UploadError';
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly code?: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

const MIB = 1024 * 1024;

export function sourceOf(body: Blob | Uint8Array | ByteSource): ByteSource {
  if (body instanceof Uint8Array) {
    return { size: body.length, read: async (start, end) => body.subarray(start, end) };
  }
  if (typeof Blob !== 'undefined' && body instanceof Blob) {
    const file = body as Blob & { name?: unknown; lastModified?: unknown };
    const fingerprint =
      typeof file.name === 'string' && typeof file.lastModified === 'number'
        ? `${file.name}:${file.lastModified}`
        : undefined;
    return {
      size: body.size,
      read: async (start, end) => new Uint8Array(await body.slice(start, end).arrayBuffer()),
      ...(fingerprint === undefined ? {} : { fingerprint }),
    };
  }
  return body as ByteSource;
}

export async function sha256Base64(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  let binary = '';
  for (const byte of digest) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** A browser store over `localStorage` (or any Storage-like object). */
export function localStorageStore(
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | undefined = (
    globalThis as { localStorage?: Storage }
  ).localStorage,
  prefix = 'user-files-upload:',
): UploadStore {
  if (storage === undefined) throw new Error('localStorage is not available here');
  return {
    get: (id) => storage.getItem(prefix + id) ?? undefined,
    set: (id, value) => storage.setItem(prefix + id, value),
    delete: (id) => storage.removeItem(prefix + id),
  };
}

interface Storage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * The store entry for one upload: what it is, so a changed source or request never resumes it. A
 * group is appended only when there is one, so entries stored before groups existed still match.
 */
function resumeId(options: UploadOptions, source: ByteSource): string {
  return JSON.stringify([
    options.level,
    options.key,
    options.contentType,
    source.size,
    options.overwrite !== false,
    source.fingerprint ?? null,
    ...(options.group === undefined ? [] : [options.group]),
  ]);
}

/** The `group` of a request body, when the upload names one. */
function groupOf(options: UploadOptions): { group?: string } {
  return options.group === undefined ? {} : { group: options.group };
}

type ApiResult<T> = { data?: T; error?: unknown; response: Response };

function problemOf(result: ApiResult<unknown>, what: string): UploadError {
  const problem = (result.error ?? {}) as { detail?: unknown; code?: unknown; field?: unknown };
  const detail = typeof problem.detail === 'string' ? `: ${problem.detail}` : '';
  return new UploadError(
    `${what} failed with ${result.response.status}${detail}`,
    result.response.status,
    typeof problem.code === 'string' ? problem.code : undefined,
    typeof problem.field === 'string' ? problem.field : undefined,
  );
}

/** Storage's refusals that a fresh URL or a second try cures (S3 answers these with 400/403). */
const TRANSIENT_STORAGE_CODES = new Set(['RequestTimeout', 'ExpiredToken', 'TokenRefreshRequired']);

/** Worth another attempt: network failures, 5xx (503 throttling included), 408, 429. */
function isTransient(error: unknown): boolean {
  if (error instanceof UploadError) {
    const status = error.status;
    if (error.code !== undefined && TRANSIENT_STORAGE_CODES.has(error.code)) return true;
    return status === undefined || status >= 500 || status === 408 || status === 429;
  }
  return error instanceof TypeError; // fetch's network failure
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The upload was aborted', 'AbortError');
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError(signal));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export async function upload(options: UploadOptions): Promise<UploadResult> {
  const source = sourceOf(options.body);
  const threshold = options.multipartThreshold ?? 8 * MIB;
  // One controller for everything this call starts: the caller's signal, or the first fatal error.
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) throw abortError(options.signal);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const context = new UploadContext(options, source, controller);
    return source.size <= threshold ? await context.single() : await context.multipart();
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    if (!controller.signal.aborted) controller.abort();
  }
}

class UploadContext {
  readonly #fetch: typeof fetch;
  readonly #retries: number;
  readonly #delayMs: number;
  #sent = 0;
  #done = 0;

  readonly signal: AbortSignal;

  constructor(
    readonly options: UploadOptions,
    readonly source: ByteSource,
    readonly controller: AbortController,
  ) {
    this.signal = controller.signal;
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#retries = options.retries ?? 4;
    this.#delayMs = options.retryDelayMs ?? 250;
  }

  /** Runs `attempt` until it succeeds, a non-transient error, the retries run out, or abort. */
  async #retrying<T>(attempt: () => Promise<T>): Promise<T> {
    for (let failures = 0; ; failures++) {
      if (this.signal.aborted) throw abortError(this.signal);
      try {
        return await attempt();
      } catch (error) {
        if (this.signal.aborted) throw abortError(this.signal);
        if (!isTransient(error) || failures >= this.#retries) throw error;
        const delay = this.#delayMs * 2 ** failures;
        await sleep(delay / 2 + Math.random() * (delay / 2), this.signal);
      }
    }
  }

  /** One API call, retried when transient; a refusal throws an UploadError. */
  #api<T>(what: string, call: () => Promise<ApiResult<T>>): Promise<T> {
    return this.#retrying(async () => {
      const result = await call();
      if (result.data === undefined || !result.response.ok) throw problemOf(result, what);
      return result.data;
    });
  }

  #progress(bytes: number): void {
    this.#done += bytes;
    this.options.onProgress?.({ sentBytes: this.#done, totalBytes: this.source.size });
  }

  /** PUTs `bytes` with exactly the signed headers; returns the ETag. */
  async #put(url: string, headers: Record<string, string>, bytes: Uint8Array): Promise<string> {
    // fetch sets Content-Length from the body, which is exactly the signed length.
    const sent = Object.fromEntries(
      Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'content-length'),
    );
    this.#sent += bytes.length;
    const response = await this.#fetch(url, {
      method: 'PUT',
      headers: sent,
      body: bytes as Uint8Array<ArrayBuffer>,
      signal: this.signal,
    });
    const text = await response.text();
    if (!response.ok) {
      const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
      // Never the URL in a message: it is a credential.
      throw new UploadError(`storage refused the upload with ${response.status}`, response.status, code);
    }
    return response.headers.get('ETag') ?? '';
  }

  async single(): Promise<UploadResult> {
    const { client, level, key, contentType } = this.options;
    const bytes = await this.source.read(0, this.source.size);
    const sha256 = await sha256Base64(bytes);
    const etag = await this.#retrying(async () => {
      // A fresh URL per attempt: an expired or refused one is not retried as is.
      const presigned = await this.#api('POST /files/uploads', () =>
        client.POST('/files/uploads', {
          body: {
            level,
            ...groupOf(this.options),
            key,
            contentType,
            size: bytes.length,
            sha256,
            ...(this.options.overwrite === false ? { overwrite: false } : {}),
          },
          signal: this.signal,
        }),
      );
      return this.#put(presigned.url, presigned.headers, bytes);
    });
    this.#progress(bytes.length);
    return { level, key, size: bytes.length, etag, multipart: false, resumedParts: 0, bytesSent: this.#sent };
  }

  /** Starts or resumes the multipart upload, sends the parts storage lacks, then completes it. */
  async multipart(): Promise<UploadResult> {
    const { level, key } = this.options;
    const id = resumeId(this.options, this.source);
    const progress = (await this.#resume(id)) ?? (await this.#start(id));
    const held = await this.#heldParts(progress);
    const pending = Array.from({ length: progress.partCount }, (_, index) => index + 1).filter(
      (n) => !held.has(n),
    );
    await this.#sendParts(progress, pending);
    const object = await this.#complete(id, progress.upload);
    return {
      level,
      key,
      size: object.size,
      etag: object.etag,
      multipart: true,
      resumedParts: held.size,
      bytesSent: this.#sent,
    };
  }

  /** A new multipart upload, its handle kept in the store so another process can resume it. */
  async #start(id: string): Promise<MultipartProgress> {
    const { client, level, key, contentType, store } = this.options;
    const started = await this.#api('POST /files/multipart', () =>
      client.POST('/files/multipart', {
        body: {
          level,
          ...groupOf(this.options),
          key,
          contentType,
          size: this.source.size,
          ...(this.options.overwrite === false ? { overwrite: false } : {}),
        },
        signal: this.signal,
      }),
    );
    await store?.set(id, started.upload);
    return { ...started, parts: [] };
  }

  /** Part `n`'s byte range `[start, end)`. */
  #partRange(partSize: number, n: number): [number, number] {
    return [(n - 1) * partSize, Math.min(n * partSize, this.source.size)];
  }

  /**
   * Parts storage already holds with the right size (and, where storage reports one, the same
   * SHA-256 as our bytes) are done, and counted as progress; anything else is sent again.
   */
  async #heldParts(progress: MultipartProgress): Promise<Set<number>> {
    const held = new Set<number>();
    for (const part of progress.parts) {
      const [start, end] = this.#partRange(progress.partSize, part.number);
      if (part.number > progress.partCount || part.size !== end - start) continue;
      if (
        part.sha256 !== undefined &&
        part.sha256 !== (await sha256Base64(await this.source.read(start, end)))
      )
        continue;
      held.add(part.number);
      this.#progress(part.size);
    }
    return held;
  }

  /** A presigned PUT for part `n`, bound to its SHA-256. */
  async #sign(handle: string, n: number, sha256: string) {
    const signed = await this.#api('POST /files/multipart/parts', () =>
      this.options.client.POST('/files/multipart/parts', {
        body: { upload: handle, parts: [{ number: n, sha256 }] },
        signal: this.signal,
      }),
    );
    const part = signed.parts[0];
    if (part === undefined) throw new UploadError('the API signed no part', undefined);
    return part;
  }

  /** Sends the `pending` parts, `concurrency` at a time (see `#pool`). */
  async #sendParts(progress: MultipartProgress, pending: readonly number[]): Promise<void> {
    const handle = progress.upload;
    // Read, hash and sign a part (while the worker's previous part is still being sent) ...
    const prepare = async (n: number) => {
      const [start, end] = this.#partRange(progress.partSize, n);
      const bytes = await this.source.read(start, end);
      const sha256 = await sha256Base64(bytes);
      return { n, bytes, sha256, signed: await this.#sign(handle, n, sha256) };
    };
    // ... then send it, with a fresh URL for every retry.
    const send = async (part: Awaited<ReturnType<typeof prepare>>) => {
      let signed: { url: string; headers: Record<string, string> } | undefined = part.signed;
      await this.#retrying(async () => {
        const url = signed ?? (await this.#sign(handle, part.n, part.sha256));
        signed = undefined;
        await this.#put(url.url, url.headers, part.bytes);
      });
      this.#progress(part.bytes.length);
    };
    await this.#pool(pending, prepare, send);
  }

  /** Completes the upload and forgets its handle; the stored object's size and ETag. */
  async #complete(id: string, handle: string) {
    const { client, store } = this.options;
    try {
      const object = await this.#api('POST /files/multipart/complete', () =>
        client.POST('/files/multipart/complete', { body: { upload: handle }, signal: this.signal }),
      );
      await store?.delete(id);
      return object;
    } catch (error) {
      // Another writer won (overwrite: false): this upload can never complete.
      if (error instanceof UploadError && error.status === 409) {
        await store?.delete(id);
        await client.POST('/files/multipart/abort', { body: { upload: handle } }).catch(() => undefined);
      }
      throw error;
    }
  }

  /** The stored upload's progress, or undefined when there is none to resume. */
  async #resume(id: string) {
    const store = this.options.store;
    const handle = await store?.get(id);
    if (handle === undefined || store === undefined) return undefined;
    try {
      return await this.#api('POST /files/multipart/progress', () =>
        this.options.client.POST('/files/multipart/progress', {
          body: { upload: handle },
          signal: this.signal,
        }),
      );
    } catch (error) {
      // Gone (completed, aborted, expired) or no longer valid: start again.
      if (error instanceof UploadError && (error.status === 404 || error.status === 400)) {
        await store.delete(id);
        return undefined;
      }
      throw error;
    }
  }

  /**
   * Sends `items`, `concurrency` at a time; each worker prepares its next item while sending the
   * current one (so memory holds at most two parts per worker). The first failure stops the rest.
   */
  async #pool<P>(
    items: readonly number[],
    prepare: (item: number) => Promise<P>,
    send: (prepared: P) => Promise<void>,
  ): Promise<void> {
    const queue = [...items];
    let failure: { error: unknown } | undefined;
    const take = (): Promise<P> | undefined => {
      const item = failure === undefined ? queue.shift() : undefined;
      if (item === undefined) return undefined;
      const prepared = prepare(item);
      prepared.catch(() => undefined); // observed where it is awaited; never an unhandled rejection
      return prepared;
    };
    const worker = async () => {
      for (let next = take(); next !== undefined; ) {
        try {
          const current = await next;
          next = take();
          await send(current);
        } catch (error) {
          next = undefined;
          if (failure === undefined) {
            failure = { error };
            // Cancel the parts in flight: their errors are only the consequence.
            this.controller.abort(error);
          }
        }
      }
    };
    const concurrency = Math.max(1, Math.min(this.options.concurrency ?? 4, 16));
    await Promise.all(Array.from({ length: concurrency }, worker));
    if (failure !== undefined) throw failure.error;
  }
}
