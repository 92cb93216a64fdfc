/**
 * How the gateway receives request bodies without holding them in memory.
 *
 * A body must be verified (signed SHA-256, Content-MD5, flexible checksums) before moto may store
 * it, and those can only be checked at its end. Object bodies (PutObject, UploadPart) are therefore
 * streamed through the verifier into a temp file in a private directory (0700, files 0600) and
 * sent to moto only once verified, so a mismatch never leaves a stored object and memory stays
 * flat whatever the size or number of uploads; disk use is bounded by a byte budget. The small XML
 * bodies the gateway must parse (DeleteObjects, CompleteMultipartUpload) are held in memory under
 * a per-request limit and a budget shared by all requests. Past either budget the answer is S3's
 * 503 SlowDown, before the body is read.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { S3Error } from './errors';
import type { PayloadSummary, PayloadVerifier } from './payload';

export const slowDown = () => new S3Error(503, 'SlowDown', 'Please reduce your request rate.');

export const entityTooLarge = (limit: number) =>
  new S3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
    MaxSizeAllowed: String(limit),
  });

/** A byte budget shared by concurrent requests. */
export class ByteBudget {
  private used = 0;
  private highest = 0;

  constructor(readonly limit: number) {}

  /** Takes `bytes` from the budget; false (nothing taken) when they do not fit. */
  reserve(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false;
    this.used += bytes;
    this.highest = Math.max(this.highest, this.used);
    return true;
  }

  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }

  get inUse(): number {
    return this.used;
  }

  /** The most ever in use at once. */
  get peak(): number {
    return this.highest;
  }
}

/** Reads the raw body through `onChunk`, refusing more than `limit` raw bytes. */
function readRaw(req: IncomingMessage, limit: number, onChunk: (chunk: Buffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let size = 0;
    let failed = false;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      req.removeListener('data', onData);
      req.resume();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return fail(entityTooLarge(limit));
      try {
        onChunk(chunk);
      } catch (error) {
        fail(error);
      }
    };
    req.on('data', onData);
    req.on('end', () => {
      if (!failed) resolve();
    });
    req.on('error', fail);
    req.on('aborted', () => fail(new Error('request aborted')));
  });
}

/** A verified body held in memory. */
export async function receiveToMemory(
  req: IncomingMessage,
  verifier: PayloadVerifier,
  limit: number,
): Promise<{ body: Buffer; summary: PayloadSummary }> {
  const parts: Buffer[] = [];
  await readRaw(req, limit, (chunk) => {
    parts.push(...verifier.write(chunk));
  });
  return { summary: verifier.end(), body: Buffer.concat(parts) };
}

/** Reads and verifies a body whose bytes are not kept (operations that take none). */
export async function receiveAndDiscard(
  req: IncomingMessage,
  verifier: PayloadVerifier,
  limit: number,
): Promise<PayloadSummary> {
  await readRaw(req, limit, (chunk) => {
    verifier.write(chunk);
  });
  return verifier.end();
}

export interface SpooledBody {
  readonly summary: PayloadSummary;
  /** The verified object bytes, from disk. */
  open(): Readable;
  dispose(): Promise<void>;
}

let spoolSequence = 0;

/** Streams a body through the verifier into a file in `directory`; the file exists only if verified. */
export async function receiveToFile(
  req: IncomingMessage,
  verifier: PayloadVerifier,
  options: { directory: string; limit: number },
): Promise<SpooledBody> {
  spoolSequence += 1;
  const path = join(options.directory, `body-${process.pid}-${spoolSequence}`);
  const file = createWriteStream(path, { flags: 'wx', mode: 0o600 });
  const opened = new Promise<void>((resolve, reject) => {
    file.once('open', () => resolve());
    file.once('error', reject);
  });
  const dispose = () => rm(path, { force: true });
  try {
    await opened;
    await readRaw(req, options.limit, (chunk) => {
      for (const part of verifier.write(chunk)) {
        // Honour the disk's pace: pause the client while the file catches up.
        if (!file.write(part)) {
          req.pause();
          file.once('drain', () => req.resume());
        }
      }
    });
    const summary = verifier.end();
    await new Promise<void>((resolve, reject) => {
      file.once('error', reject);
      file.end(() => resolve());
    });
    return { summary, open: () => createReadStream(path), dispose };
  } catch (error) {
    file.destroy();
    await dispose();
    throw error;
  }
}
