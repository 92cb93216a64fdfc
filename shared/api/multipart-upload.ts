/**
 * The multipart path of `upload()`: start or resume the upload, skip the parts storage already
 * holds, send the rest `concurrency` at a time (each read, hashed and signed while the previous one
 * is sent), then complete it.
 */
import { sha256Base64 } from './byte-source';
import type { components } from './schema';
import type { UploadResult } from './upload';
import { resumeId } from './upload-store';
import { objectRequest, UploadError, type UploadTransport } from './upload-transport';

type MultipartProgress = components['schemas']['MultipartProgress'];

/** Starts or resumes the multipart upload, sends the parts storage lacks, then completes it. */
export async function multipartUpload(transport: UploadTransport): Promise<UploadResult> {
  const { level, key } = transport.options;
  const id = resumeId(transport.options, transport.source);
  const progress = (await resume(transport, id)) ?? (await start(transport, id));
  const held = await heldParts(transport, progress);
  const pending = Array.from({ length: progress.partCount }, (_, index) => index + 1).filter(
    (n) => !held.has(n),
  );
  await sendParts(transport, progress, pending);
  const object = await complete(transport, id, progress.upload);
  return {
    level,
    key,
    size: object.size,
    etag: object.etag,
    multipart: true,
    resumedParts: held.size,
    bytesSent: transport.bytesSent,
  };
}

/** A new multipart upload, its handle kept in the store so another process can resume it. */
async function start(transport: UploadTransport, id: string): Promise<MultipartProgress> {
  const { client, store } = transport.options;
  const started = await transport.api('POST /files/multipart', () =>
    client.POST('/files/multipart', {
      body: objectRequest(transport.options, transport.source.size),
      signal: transport.signal,
    }),
  );
  await store?.set(id, started.upload);
  return { ...started, parts: [] };
}

/** Part `n`'s byte range `[start, end)`. */
function partRange(transport: UploadTransport, partSize: number, n: number): [number, number] {
  return [(n - 1) * partSize, Math.min(n * partSize, transport.source.size)];
}

/**
 * Parts storage already holds with the right size (and, where storage reports one, the same
 * SHA-256 as our bytes) are done, and counted as progress; anything else is sent again.
 */
async function heldParts(transport: UploadTransport, progress: MultipartProgress): Promise<Set<number>> {
  const held = new Set<number>();
  for (const part of progress.parts) {
    const [start, end] = partRange(transport, progress.partSize, part.number);
    if (part.number > progress.partCount || part.size !== end - start) continue;
    if (
      part.sha256 !== undefined &&
      part.sha256 !== (await sha256Base64(await transport.source.read(start, end)))
    )
      continue;
    held.add(part.number);
    transport.progress(part.size);
  }
  return held;
}

/** A presigned PUT for part `n`, bound to its SHA-256. */
async function sign(transport: UploadTransport, handle: string, n: number, sha256: string) {
  const signed = await transport.api('POST /files/multipart/parts', () =>
    transport.options.client.POST('/files/multipart/parts', {
      body: { upload: handle, parts: [{ number: n, sha256 }] },
      signal: transport.signal,
    }),
  );
  const part = signed.parts[0];
  if (part === undefined) throw new UploadError('the API signed no part', undefined);
  return part;
}

/** Sends the `pending` parts, `concurrency` at a time (see `pool`). */
async function sendParts(
  transport: UploadTransport,
  progress: MultipartProgress,
  pending: readonly number[],
): Promise<void> {
  const handle = progress.upload;
  // Read, hash and sign a part (while the worker's previous part is still being sent) ...
  const prepare = async (n: number) => {
    const [start, end] = partRange(transport, progress.partSize, n);
    const bytes = await transport.source.read(start, end);
    const sha256 = await sha256Base64(bytes);
    return { n, bytes, sha256, signed: await sign(transport, handle, n, sha256) };
  };
  // ... then send it, with a fresh URL for every retry.
  const send = async (part: Awaited<ReturnType<typeof prepare>>) => {
    let signed: { url: string; headers: Record<string, string> } | undefined = part.signed;
    await transport.retrying(async () => {
      const url = signed ?? (await sign(transport, handle, part.n, part.sha256));
      signed = undefined;
      await transport.put(url.url, url.headers, part.bytes);
    });
    transport.progress(part.bytes.length);
  };
  await pool(transport, pending, prepare, send);
}

/** Completes the upload and forgets its handle; the stored object's size and ETag. */
async function complete(transport: UploadTransport, id: string, handle: string) {
  const { client, store } = transport.options;
  try {
    const object = await transport.api('POST /files/multipart/complete', () =>
      client.POST('/files/multipart/complete', { body: { upload: handle }, signal: transport.signal }),
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
async function resume(transport: UploadTransport, id: string) {
  const store = transport.options.store;
  const handle = await store?.get(id);
  if (handle === undefined || store === undefined) return undefined;
  try {
    return await transport.api('POST /files/multipart/progress', () =>
      transport.options.client.POST('/files/multipart/progress', {
        body: { upload: handle },
        signal: transport.signal,
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
async function pool<P>(
  transport: UploadTransport,
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
          transport.controller.abort(error);
        }
      }
    }
  };
  const concurrency = Math.max(1, Math.min(transport.options.concurrency ?? 4, 16));
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (failure !== undefined) throw failure.error;
}
