/**
 * The resumable-upload store: where `upload()` keeps the handles of unfinished multipart uploads
 * (`localStorageStore` in browsers, `fileStore` in `upload-node.ts`), and the entry each upload is kept under.
 */
import type { ByteSource } from './byte-source';
import type { UploadOptions } from './upload';

/** Where handles of unfinished uploads are kept, so a new process can resume them. */
export interface UploadStore {
  get(id: string): Promise<string | undefined> | string | undefined;
  set(id: string, value: string): Promise<void> | void;
  delete(id: string): Promise<void> | void;
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
export function resumeId(options: UploadOptions, source: ByteSource): string {
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
