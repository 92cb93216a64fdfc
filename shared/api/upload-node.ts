/**
 * Node-only companions of `upload.ts`: a file as a `ByteSource` that reads one range at a time
 * (memory stays bounded however large the file), and an `UploadStore` of small JSON files, so an
 * upload started by one process can be resumed by the next.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ByteSource } from './byte-source';
import type { UploadStore } from './upload-store';

/** The file at `path`; its size, modification time and inode identify it for resuming. */
export async function fileSource(path: string): Promise<ByteSource> {
  const info = await stat(path);
  if (!info.isFile()) throw new Error(`${path} is not a file`);
  return {
    size: info.size,
    fingerprint: `file:${info.dev}:${info.ino}:${info.size}:${info.mtimeMs}`,
    async read(start, end) {
      const handle = await open(path, 'r');
      try {
        const buffer = Buffer.allocUnsafe(end - start);
        let filled = 0;
        while (filled < buffer.length) {
          const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, start + filled);
          if (bytesRead === 0) throw new Error(`${path} changed while it was being uploaded`);
          filled += bytesRead;
        }
        return buffer;
      } finally {
        await handle.close();
      }
    },
  };
}

/** One JSON file per unfinished upload in `directory` (created when needed). */
export function fileStore(directory: string): UploadStore {
  const pathOf = (id: string) => join(directory, `${createHash('sha256').update(id).digest('hex')}.json`);
  return {
    async get(id) {
      try {
        const entry = JSON.parse(await readFile(pathOf(id), 'utf8')) as { id?: unknown; value?: unknown };
        return entry.id === id && typeof entry.value === 'string' ? entry.value : undefined;
      } catch {
        return undefined; // absent or unreadable: nothing to resume
      }
    },
    async set(id, value) {
      await mkdir(directory, { recursive: true, mode: 0o700 });
      const path = pathOf(id);
      // Written whole then renamed, so a process killed mid-write leaves the old entry or none.
      const temporary = `${path}.${process.pid}.tmp`;
      await writeFile(temporary, JSON.stringify({ id, value }), { mode: 0o600 });
      await rename(temporary, path);
    },
    async delete(id) {
      await rm(pathOf(id), { force: true });
    },
  };
}
