import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { createFilesClient } from '../../../../shared/api/client';
import { type UploadOptions, type UploadProgress, upload } from '../../../../shared/api/upload';
import { fileSource, fileStore } from '../../../../shared/api/upload-node';
import { localStorageStore, type UploadStore } from '../../../../shared/api/upload-store';

const MIB = 1024 * 1024;
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64');

function body(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i += 4096) bytes[i] = (i / 4096) % 251;
  return bytes;
}

/**
 * A fake API and storage behind one fetch: the API plans 8 MiB parts and signs URLs that name the
 * part and its checksum; storage checks length and SHA-256 as S3 does, and remembers parts.
 */
function fakeServer() {
  const uploads = new Map<string, { size: number; parts: Map<number, Uint8Array>; done: boolean }>();
  const objects = new Map<string, Uint8Array>();
  const log: string[] = [];
  /** What each API call was sent. */
  const bodies: Array<{ path: string; body: Record<string, unknown> }> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const faults: Array<(url: URL) => Response | undefined> = [];
  let gate: Promise<void> | undefined;
  let next = 1;
  const partSize = 8 * MIB;

  const json = (status: number, value: unknown) =>
    new Response(JSON.stringify(value), { status, headers: { 'Content-Type': 'application/json' } });
  const problem = (status: number, field: string) =>
    new Response(JSON.stringify({ code: 'x', field, status, detail: 'refused' }), {
      status,
      headers: { 'Content-Type': 'application/problem+json' },
    });

  async function fetch(input: Request | string | URL, init?: RequestInit): Promise<Response> {
    const request = input instanceof Request ? input : new Request(input, init);
    const url = new URL(request.url);
    if (url.host === 'api.test') {
      const payload = (await request.json()) as Record<string, unknown>;
      log.push(`API ${url.pathname}`);
      bodies.push({ path: url.pathname, body: payload });
      switch (url.pathname) {
        case '/v1/files/uploads':
          return json(201, {
            method: 'PUT',
            url: `http://s3.test/object?key=${payload.key}`,
            headers: { 'Content-Length': String(payload.size), 'x-amz-checksum-sha256': payload.sha256 },
            expiresAt: new Date().toISOString(),
            level: payload.level,
            owner: 'o',
            key: payload.key,
          });
        case '/v1/files/multipart': {
          const id = `u${next++}`;
          const size = payload.size as number;
          uploads.set(id, { size, parts: new Map(), done: false });
          return json(201, { upload: id, size, partSize, partCount: Math.ceil(size / partSize) });
        }
        case '/v1/files/multipart/progress': {
          const state = uploads.get(payload.upload as string);
          if (!state || state.done) return problem(404, 'upload');
          return json(200, {
            upload: payload.upload,
            size: state.size,
            partSize,
            partCount: Math.ceil(state.size / partSize),
            parts: [...state.parts].map(([number, bytes]) => ({
              number,
              size: bytes.length,
              etag: 'e',
              sha256: sha(bytes),
            })),
          });
        }
        case '/v1/files/multipart/parts': {
          const state = uploads.get(payload.upload as string);
          if (!state || state.done) return problem(404, 'upload');
          const parts = (payload.parts as Array<{ number: number; sha256: string }>).map((part) => {
            const size = Math.min(partSize, state.size - (part.number - 1) * partSize);
            return {
              number: part.number,
              size,
              method: 'PUT',
              url: `http://s3.test/part?upload=${payload.upload}&n=${part.number}`,
              headers: { 'Content-Length': String(size), 'x-amz-checksum-sha256': part.sha256 },
            };
          });
          return json(201, { parts, expiresAt: new Date().toISOString() });
        }
        case '/v1/files/multipart/complete': {
          const state = uploads.get(payload.upload as string);
          if (!state || state.done) return problem(404, 'upload');
          const count = Math.ceil(state.size / partSize);
          const chunks = Array.from({ length: count }, (_, i) => state.parts.get(i + 1));
          if (chunks.some((chunk) => chunk === undefined)) return problem(400, 'upload');
          state.done = true;
          const whole = Buffer.concat(chunks as Uint8Array[]);
          objects.set('multipart', whole);
          return json(200, { size: whole.length, etag: '"whole"' });
        }
        case '/v1/files/multipart/abort':
          uploads.delete(payload.upload as string);
          return new Response(null, { status: 204 });
      }
      return problem(404, 'path');
    }
    // Storage.
    for (const fault of faults) {
      const response = fault(url);
      if (response) return response;
    }
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      if (gate) await gate;
      await new Promise((resolve) => setTimeout(resolve, 5));
      init?.signal?.throwIfAborted();
      const bytes = new Uint8Array(await request.arrayBuffer());
      const checksum = request.headers.get('x-amz-checksum-sha256');
      if (checksum !== sha(bytes))
        return new Response('<Error><Code>BadDigest</Code></Error>', { status: 400 });
      log.push(`PUT ${url.search} ${bytes.length}`);
      if (url.pathname === '/object') {
        objects.set(url.searchParams.get('key') ?? '', bytes);
      } else {
        const state = uploads.get(url.searchParams.get('upload') ?? '');
        if (!state) return new Response('<Error><Code>NoSuchUpload</Code></Error>', { status: 404 });
        state.parts.set(Number(url.searchParams.get('n')), bytes);
      }
      return new Response(null, { status: 200, headers: { ETag: '"p"' } });
    } finally {
      inFlight--;
    }
  }

  const client = createFilesClient({ baseUrl: 'http://api.test/v1', getIdToken: () => 'a.b.c', fetch });
  return {
    fetch,
    client,
    uploads,
    objects,
    log,
    bodies,
    faults,
    maxInFlight: () => maxInFlight,
    hold: () => {
      let release = () => {};
      gate = new Promise((resolve) => {
        release = resolve;
      });
      return () => {
        gate = undefined;
        release();
      };
    },
  };
}

function memoryStore(): UploadStore & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    get: (id) => entries.get(id),
    set: (id, value) => void entries.set(id, value),
    delete: (id) => void entries.delete(id),
  };
}

const base = (server: ReturnType<typeof fakeServer>, data: Uint8Array): UploadOptions => ({
  client: server.client,
  fetch: server.fetch as typeof fetch,
  level: 'private',
  key: 'videos/a.mp4',
  contentType: 'video/mp4',
  body: data,
  retryDelayMs: 1,
});

describe('upload()', () => {
  test('sends a small body in one checksummed PUT', async () => {
    const server = fakeServer();
    const data = body(1000);
    const result = await upload(base(server, data));
    expect(result).toMatchObject({ size: 1000, multipart: false, bytesSent: 1000 });
    expect(sha(server.objects.get('videos/a.mp4') ?? new Uint8Array())).toBe(sha(data));
    expect(server.log).toEqual(['API /v1/files/uploads', 'PUT ?key=videos/a.mp4 1000']);
  });

  test('sends a large body in checksummed parts, 4 at a time, reporting progress in bytes', async () => {
    const server = fakeServer();
    const data = body(40 * MIB + 7);
    const progress: UploadProgress[] = [];
    // Storage holds every part until 4 are in flight: parallelism is shown, not left to timing.
    const release = server.hold();
    const uploading = upload({ ...base(server, data), onProgress: (p) => progress.push(p) });
    await vi.waitFor(() => expect(server.maxInFlight()).toBe(4), { timeout: 10_000 });
    release();
    const result = await uploading;
    expect(result).toMatchObject({
      multipart: true,
      size: data.length,
      resumedParts: 0,
      bytesSent: data.length,
    });
    expect(sha(server.objects.get('multipart') ?? new Uint8Array())).toBe(sha(data));
    expect(server.maxInFlight()).toBe(4);
    expect(
      progress
        .map((p) => p.sentBytes)
        .sort((a, b) => a - b)
        .at(-1),
    ).toBe(data.length);
    expect(progress.every((p) => p.totalBytes === data.length)).toBe(true);
    expect(progress.map((p) => p.sentBytes)).toEqual(
      [...progress.map((p) => p.sentBytes)].sort((a, b) => a - b),
    );
  });

  test('honours concurrency', async () => {
    const server = fakeServer();
    const release = server.hold();
    const uploading = upload({ ...base(server, body(40 * MIB)), concurrency: 2 });
    await vi.waitFor(() => expect(server.maxInFlight()).toBe(2), { timeout: 10_000 });
    release();
    await uploading;
    expect(server.maxInFlight()).toBe(2);
  });

  test('retries a failed part with a fresh URL, and gives up after the retries', async () => {
    const server = fakeServer();
    let failures = 2;
    server.faults.push((url) =>
      url.searchParams.get('n') === '2' && failures-- > 0 ? new Response('', { status: 503 }) : undefined,
    );
    const result = await upload(base(server, body(20 * MIB)));
    expect(result.multipart).toBe(true);
    expect(server.log.filter((line) => line === 'API /v1/files/multipart/parts')).toHaveLength(5);

    const broken = fakeServer();
    broken.faults.push((url) =>
      url.searchParams.get('n') === '2' ? new Response('', { status: 500 }) : undefined,
    );
    await expect(upload({ ...base(broken, body(20 * MIB)), retries: 2 })).rejects.toMatchObject({
      name: 'UploadError',
      status: 500,
    });
    expect(broken.log.filter((line) => line.startsWith('API /v1/files/multipart/complete'))).toHaveLength(0);
  });

  test('does not retry a refusal (4xx) and never puts the URL in the error', async () => {
    const server = fakeServer();
    server.faults.push(() => new Response('<Error><Code>AccessDenied</Code></Error>', { status: 403 }));
    const failure = upload(base(server, body(20 * MIB)));
    await expect(failure).rejects.toMatchObject({ status: 403, code: 'AccessDenied' });
    await expect(failure).rejects.not.toThrow(/s3\.test/);
    expect(server.log.filter((line) => line === 'API /v1/files/multipart/parts').length).toBeLessThanOrEqual(
      4,
    );
  });

  test('stops cleanly on abort, then resumes from the store sending only the missing parts', async () => {
    const server = fakeServer();
    const store = memoryStore();
    const data = body(48 * MIB); // 6 parts
    const controller = new AbortController();
    let parts = 0;
    const release = server.hold();
    const first = upload({
      ...base(server, data),
      store,
      signal: controller.signal,
      concurrency: 2,
      onProgress: () => {
        if (++parts === 2) controller.abort(new Error('user cancelled'));
      },
    });
    // Let two parts through, then keep the rest in flight until the abort.
    setTimeout(release, 20);
    await expect(first).rejects.toThrow('user cancelled');
    expect(store.entries.size).toBe(1);
    const stored = [...server.uploads.values()][0];
    const before = stored?.parts.size ?? 0;
    expect(before).toBeGreaterThanOrEqual(2);
    expect(before).toBeLessThan(6);

    const resumed = await upload({ ...base(server, data), store });
    expect(resumed).toMatchObject({
      multipart: true,
      resumedParts: before,
      bytesSent: data.length - before * 8 * MIB,
    });
    expect(sha(server.objects.get('multipart') ?? new Uint8Array())).toBe(sha(data));
    expect(store.entries.size).toBe(0);
    expect(server.log.filter((line) => line === 'API /v1/files/multipart')).toHaveLength(1);
  });

  test('re-sends a stored part whose checksum is not our bytes', async () => {
    const server = fakeServer();
    const store = memoryStore();
    const data = body(20 * MIB);
    const controller = new AbortController();
    await expect(
      upload({
        ...base(server, data),
        store,
        signal: controller.signal,
        concurrency: 1,
        onProgress: () => controller.abort(),
      }),
    ).rejects.toThrow();
    const state = [...server.uploads.values()][0];
    state?.parts.set(
      1,
      body(8 * MIB).map((byte) => byte ^ 1),
    );
    const resumed = await upload({ ...base(server, data), store });
    expect(resumed.resumedParts).toBe(0);
    expect(sha(server.objects.get('multipart') ?? new Uint8Array())).toBe(sha(data));
  });

  test('starts again when the stored upload no longer exists', async () => {
    const server = fakeServer();
    const store = memoryStore();
    const data = body(20 * MIB);
    const options = { ...base(server, data), store };
    store.entries.set(
      JSON.stringify(['private', 'videos/a.mp4', 'video/mp4', data.length, true, null]),
      'gone',
    );
    const result = await upload(options);
    expect(result.resumedParts).toBe(0);
    expect(server.log.slice(0, 2)).toEqual(['API /v1/files/multipart/progress', 'API /v1/files/multipart']);
  });

  test('names the group in level groups, single and multipart, and keeps its resume entry apart', async () => {
    const server = fakeServer();
    const store = memoryStore();
    const group = { level: 'groups', group: 'design' } as const;
    await upload({ ...base(server, body(1000)), ...group });
    const release = server.hold();
    const data = body(20 * MIB);
    const controller = new AbortController();
    const uploading = upload({ ...base(server, data), ...group, store, signal: controller.signal });
    await vi.waitFor(() => expect(store.entries.size).toBe(1));
    controller.abort();
    release();
    await expect(uploading).rejects.toThrow();
    const started = server.bodies.filter((call) => call.path !== '/v1/files/multipart/parts');
    expect(started.map(({ path, body }) => [path, body.level, body.group])).toEqual([
      ['/v1/files/uploads', 'groups', 'design'],
      ['/v1/files/multipart', 'groups', 'design'],
    ]);
    expect([...store.entries.keys()]).toEqual([
      JSON.stringify(['groups', 'videos/a.mp4', 'video/mp4', data.length, true, null, 'design']),
    ]);

    // Without a group, no `group` is sent.
    const plain = fakeServer();
    await upload(base(plain, body(10)));
    expect(plain.bodies.map(({ body }) => 'group' in body)).toEqual([false]);
  });

  test('an already aborted signal sends nothing', async () => {
    const server = fakeServer();
    const controller = new AbortController();
    controller.abort();
    await expect(upload({ ...base(server, body(10)), signal: controller.signal })).rejects.toThrow();
    expect(server.log).toEqual([]);
  });
});

describe('stores and sources', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  test('localStorageStore keeps entries under a prefix', async () => {
    const backing = new Map<string, string>();
    const store = localStorageStore({
      getItem: (k) => backing.get(k) ?? null,
      setItem: (k, v) => void backing.set(k, v),
      removeItem: (k) => void backing.delete(k),
    });
    await store.set('a', 'handle');
    expect(backing.get('user-files-upload:a')).toBe('handle');
    expect(await store.get('a')).toBe('handle');
    await store.delete('a');
    expect(await store.get('a')).toBeUndefined();
    expect(() => localStorageStore(undefined)).toThrow(/localStorage/);
  });

  test('fileStore persists across instances and forgets deleted entries', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'upload-store-'));
    dirs.push(dir);
    await fileStore(dir).set('id "1"', 'handle-1');
    expect(await fileStore(dir).get('id "1"')).toBe('handle-1');
    expect(await fileStore(dir).get('id "2"')).toBeUndefined();
    await fileStore(dir).delete('id "1"');
    expect(await fileStore(dir).get('id "1"')).toBeUndefined();
  });

  test('fileSource reads exact ranges and fingerprints the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'upload-source-'));
    dirs.push(dir);
    const path = join(dir, 'f.bin');
    const data = body(100_000);
    await writeFile(path, data);
    const source = await fileSource(path);
    expect(source.size).toBe(100_000);
    expect(await source.read(4096, 8193)).toEqual(Buffer.from(data.subarray(4096, 8193)));
    await writeFile(path, data.subarray(0, 10));
    expect((await fileSource(path)).fingerprint).not.toBe(source.fingerprint);
  });
});
