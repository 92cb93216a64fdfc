/**
 * One file's upload through the shared helper (`shared/api/upload.ts`), which decides single PUT or
 * multipart, checksums every part and resumes from its store. This file adds what a page needs
 * around it: pause (abort, keeping the multipart upload), resume (the helper finds the parts
 * storage holds and sends only the rest), cancel (abort, then abandon the multipart upload), and
 * byte-level progress, which fetch cannot report for request bodies, so storage PUTs go through
 * XMLHttpRequest. Multipart handles are kept in `localStorage` (per user), so after a reload or a
 * closed tab, picking the same file again for the same key resumes where storage left off.
 */
import type { FilesClient } from '../../shared/api/client';
import { UploadError, type UploadResult, upload } from '../../shared/api/upload';
import { localStorageStore, type UploadStore } from '../../shared/api/upload-store';
import { type Level, recordingProblems, type ShownProblem } from './api';

/** Bodies above this go multipart (the helper's default, named so the page knows which can pause). */
export const MULTIPART_THRESHOLD = 8 * 1024 * 1024;

/**
 * Where a user's unfinished multipart uploads are remembered in this browser. The handle names only
 * an upload in the caller's own folder, and the API checks it again with their own session. Falls
 * back to memory where `localStorage` is unavailable.
 */
export function handleStore(identityId: string): UploadStore {
  const prefix = `user-files-upload:${identityId}:`;
  try {
    return localStorageStore(undefined, prefix);
  } catch {
    const handles = new Map<string, string>();
    return {
      get: (id) => handles.get(id),
      set: (id, value) => void handles.set(id, value),
      delete: (id) => void handles.delete(id),
    };
  }
}

export interface UploadRequest {
  readonly level: Level;
  /** In level `groups`: the group whose folder it goes to. */
  readonly group?: string;
  readonly key: string;
  readonly file: File;
  /** `false`: never replace an existing object (409 from the API, 412 from storage). */
  readonly overwrite?: boolean;
}

/** `stored`: bytes storage holds; `sending`: bytes of requests still in flight. */
export type ProgressListener = (progress: { stored: number; sending: number; total: number }) => void;

export type UploadOutcome =
  | { readonly state: 'done'; readonly result: UploadResult }
  | { readonly state: 'paused' }
  | { readonly state: 'cancelled' };

/** A refusal, as the API's problem when it sent one; storage's S3 error code otherwise. */
export class UploadProblem extends Error {
  override readonly name = 'UploadProblem';
  constructor(readonly problem: ShownProblem) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
  }
}

/** Headers a page may not set; the browser sends them itself (Content-Length is the body's). */
const BROWSER_OWNED = new Set(['content-length', 'host', 'connection']);

/**
 * A fetch for storage PUTs over XMLHttpRequest, reporting each request's bytes as they go. It only
 * serves the helper's use: a URL, method, headers, a byte body and a signal.
 */
function xhrFetch(onSending: (request: object, loaded: number | undefined) => void): typeof fetch {
  return (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const signal = init.signal;
      if (signal?.aborted) return reject(signal.reason);
      const xhr = new XMLHttpRequest();
      const done = () => onSending(xhr, undefined);
      xhr.open(init.method ?? 'GET', String(input));
      for (const [name, value] of new Headers(init.headers)) {
        if (!BROWSER_OWNED.has(name)) xhr.setRequestHeader(name, value);
      }
      xhr.upload.onprogress = (event) => onSending(xhr, event.loaded);
      xhr.onload = () => {
        done();
        const etag = xhr.getResponseHeader('ETag');
        const empty = xhr.status === 204 || xhr.status === 304;
        resolve(
          new Response(empty ? null : xhr.responseText, {
            status: xhr.status,
            headers: etag ? { ETag: etag } : {},
          }),
        );
      };
      // A TypeError, as fetch's network failure: the helper retries it.
      xhr.onerror = () => {
        done();
        reject(new TypeError('the connection to storage failed'));
      };
      xhr.onabort = () => {
        done();
        reject(signal?.reason ?? new DOMException('aborted', 'AbortError'));
      };
      signal?.addEventListener('abort', () => xhr.abort(), { once: true });
      xhr.send((init.body as XMLHttpRequestBodyInit | null | undefined) ?? null);
    });
}

export class FileUpload {
  readonly multipart: boolean;
  /** The entries of `handles` this upload used, so cancel knows what to abandon. */
  readonly #ids = new Set<string>();
  readonly #store: UploadStore;
  readonly #sending = new Map<object, number>();
  #stored = 0;
  #controller: AbortController | undefined;
  #running: Promise<UploadOutcome> | undefined;
  #stop: 'paused' | 'cancelled' | undefined;

  constructor(
    readonly api: FilesClient,
    readonly request: UploadRequest,
    readonly onProgress: ProgressListener,
    readonly handles: UploadStore,
  ) {
    this.multipart = request.file.size > MULTIPART_THRESHOLD;
    this.#store = {
      get: (id) => {
        this.#ids.add(id);
        return handles.get(id);
      },
      set: (id, value) => {
        this.#ids.add(id);
        return handles.set(id, value);
      },
      delete: (id) => handles.delete(id),
    };
  }

  #report(): void {
    let sending = 0;
    for (const loaded of this.#sending.values()) sending += loaded;
    this.onProgress({ stored: this.#stored, sending, total: this.request.file.size });
  }

  /**
   * Every byte is stored and the helper is completing the upload: too late to pause or cancel, as
   * an aborted completion may still have happened in storage.
   */
  get finishing(): boolean {
    return this.#stored >= this.request.file.size;
  }

  /** Starts, or resumes after a pause: parts storage already holds are not sent again. */
  run(): Promise<UploadOutcome> {
    this.#running = this.#run();
    return this.#running;
  }

  async #run(): Promise<UploadOutcome> {
    const controller = new AbortController();
    this.#controller = controller;
    this.#stop = undefined;
    this.#stored = 0;
    const recorder = recordingProblems(this.api);
    const { file, level, group, key } = this.request;
    this.#report();
    try {
      const result = await upload({
        client: recorder.client,
        level,
        ...(group === undefined ? {} : { group }),
        key,
        body: file,
        contentType: file.type || 'application/octet-stream',
        ...(this.request.overwrite === false ? { overwrite: false } : {}),
        store: this.#store,
        multipartThreshold: MULTIPART_THRESHOLD,
        signal: controller.signal,
        fetch: xhrFetch((request, loaded) => {
          if (loaded === undefined) this.#sending.delete(request);
          else this.#sending.set(request, loaded);
          this.#report();
        }),
        onProgress: ({ sentBytes }) => {
          this.#stored = sentBytes;
          this.#report();
        },
      });
      return { state: 'done', result };
    } catch (error) {
      if (controller.signal.aborted && this.#stop) return { state: this.#stop };
      throw new UploadProblem(describe(error, recorder.last()));
    } finally {
      // What a paused or failed run leaves is what storage holds.
      this.#sending.clear();
      this.#report();
    }
  }

  pause(): void {
    if (this.finishing) return;
    this.#stop = 'paused';
    this.#controller?.abort();
  }

  /**
   * Stops it, waits for the run to end (so no handle arrives later), then abandons the multipart
   * upload, so storage frees its parts. `done` when the upload completed first.
   */
  async cancel(): Promise<'cancelled' | 'done'> {
    if (this.finishing) return 'done';
    this.#stop = 'cancelled';
    this.#controller?.abort();
    const outcome = await this.#running?.catch(() => undefined);
    if (outcome?.state === 'done') return 'done';
    for (const id of this.#ids) {
      const handle = await this.handles.get(id);
      if (handle === undefined) continue;
      const result = await this.api.POST('/files/multipart/abort', { body: { upload: handle } });
      if (!result.response.ok) {
        throw new UploadProblem({
          title: 'The upload could not be abandoned',
          status: result.response.status,
        });
      }
      await this.handles.delete(id);
    }
    return 'cancelled';
  }
}

/** The API's own problem for a refusal it answered; storage's status and code for the rest. */
function describe(error: unknown, lastProblem: ShownProblem | undefined): ShownProblem {
  if (error instanceof UploadError) {
    if (lastProblem && lastProblem.status === error.status) return lastProblem;
    if (error.status === undefined) return { title: 'Upload failed', detail: error.message };
    return {
      title: `Storage refused the upload (${error.status}${error.code ? ` ${error.code}` : ''})`,
      status: error.status,
    };
  }
  if (error instanceof TypeError) {
    return { title: 'Upload failed', detail: 'The connection to the API or storage failed.' };
  }
  return { title: 'Upload failed', detail: error instanceof Error ? error.message : String(error) };
}
