/**
 * The transport under `upload()`: API calls and storage PUTs for one upload, retried with backoff
 * while the failure is transient, cancelled by one AbortController, and counted for progress. A
 * refusal is an `UploadError`.
 */
import type { ByteSource } from './byte-source';
import type { UploadOptions } from './upload';

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

export function abortError(signal: AbortSignal): unknown {
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

/**
 * The object a single upload (`POST /files/uploads`, with its `sha256`) or a multipart upload
 * (`POST /files/multipart`) asks for. The `group` only when the upload names one.
 */
export function objectRequest(options: UploadOptions, size: number, sha256?: string) {
  const { level, key, contentType } = options;
  return {
    level,
    ...(options.group === undefined ? {} : { group: options.group }),
    key,
    contentType,
    size,
    ...(sha256 === undefined ? {} : { sha256 }),
    ...(options.overwrite === false ? { overwrite: false } : {}),
  };
}

/** One upload's requests: everything it starts stops with `controller`. */
export class UploadTransport {
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

  /** Body bytes sent to storage so far (retries included). */
  get bytesSent(): number {
    return this.#sent;
  }

  /** Runs `attempt` until it succeeds, a non-transient error, the retries run out, or abort. */
  async retrying<T>(attempt: () => Promise<T>): Promise<T> {
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
  api<T>(what: string, call: () => Promise<ApiResult<T>>): Promise<T> {
    return this.retrying(async () => {
      const result = await call();
      if (result.data === undefined || !result.response.ok) throw problemOf(result, what);
      return result.data;
    });
  }

  /** Counts `bytes` as held by storage and reports progress. */
  progress(bytes: number): void {
    this.#done += bytes;
    this.options.onProgress?.({ sentBytes: this.#done, totalBytes: this.source.size });
  }

  /** PUTs `bytes` with exactly the signed headers; returns the ETag. */
  async put(url: string, headers: Record<string, string>, bytes: Uint8Array): Promise<string> {
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
}
