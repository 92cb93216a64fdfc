/**
 * Uploading one file: ask the API for a presigned PUT (content type, exact size and SHA-256 signed,
 * so storage refuses any other body), then send it with XMLHttpRequest, the one browser API that
 * reports upload progress. This is the single place to switch to the shared upload helper
 * (`shared/api/upload.ts`, multipart with pause/resume) once it exists.
 */
import type { FilesClient } from '../../shared/api/client';
import { type Level, type PresignedRequest, ProblemError, unwrap } from './api';

export interface UploadRequest {
  readonly level: Level;
  readonly key: string;
  readonly file: File;
  /** `false`: never replace an existing object (409 from the API, 412 from storage). */
  readonly overwrite?: boolean;
}

export type ProgressListener = (loaded: number, total: number) => void;

/** Headers a page may not set; the browser sends them itself (Content-Length is the body's). */
const BROWSER_OWNED = new Set(['content-length', 'host', 'connection']);

function base64(bytes: ArrayBuffer): string {
  let binary = '';
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Storage answers errors in S3's XML: `<Error><Code>…</Code><Message>…</Message></Error>`. */
function storageProblem(status: number, body: string): ProblemError {
  const xml = new DOMParser().parseFromString(body, 'application/xml');
  const code = xml.querySelector('Error > Code')?.textContent ?? '';
  const message = xml.querySelector('Error > Message')?.textContent ?? '';
  return new ProblemError({
    title: `Storage refused the upload (${status}${code ? ` ${code}` : ''})`,
    status,
    ...(message ? { detail: message } : {}),
  });
}

export function putWithProgress(
  presigned: PresignedRequest,
  body: Blob,
  onProgress: ProgressListener,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(presigned.method, presigned.url);
    for (const [name, value] of Object.entries(presigned.headers)) {
      if (!BROWSER_OWNED.has(name.toLowerCase())) xhr.setRequestHeader(name, value);
    }
    xhr.upload.onprogress = (event) =>
      onProgress(event.loaded, event.lengthComputable ? event.total : body.size);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(body.size, body.size);
        resolve();
      } else {
        reject(storageProblem(xhr.status, xhr.responseText));
      }
    };
    xhr.onerror = () =>
      reject(new ProblemError({ title: 'Upload failed', detail: 'The connection to storage failed.' }));
    xhr.onabort = () => reject(new ProblemError({ title: 'Upload cancelled' }));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(body);
  });
}

export async function uploadFile(
  api: FilesClient,
  request: UploadRequest,
  onProgress: ProgressListener,
  signal?: AbortSignal,
): Promise<void> {
  const { file } = request;
  // The checksum is signed into the URL: storage verifies the bytes it receives are these.
  const sha256 = base64(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()));
  const presigned = unwrap(
    await api.POST('/files/uploads', {
      body: {
        level: request.level,
        key: request.key,
        contentType: file.type || 'application/octet-stream',
        size: file.size,
        sha256,
        ...(request.overwrite === false ? { overwrite: false } : {}),
      },
    }),
  );
  onProgress(0, file.size);
  await putWithProgress(presigned, file, onProgress, signal);
}
