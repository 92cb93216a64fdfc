/**
 * Starts `upload-child.ts` (one upload with the client helper, in a process of its own, so a test
 * or the bench can kill it half-way and resume in another) and reads what it prints.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { UploadResult } from '../../shared/api/upload';

export const UPLOAD_CHILD_ENV = 'UPLOAD_CHILD';

export interface UploadJob {
  readonly apiUrl: string;
  readonly idToken: string;
  /** The file to upload. */
  readonly path: string;
  /** The file store's folder: where a resumed upload finds its parts. */
  readonly storeDir: string;
  readonly key: string;
  readonly concurrency: number;
}

/** The helper's result, and every body byte the process sent (`sending` lines). */
export interface UploadChildResult extends UploadResult {
  readonly sentBytes: number;
}

export type UploadChildLine =
  | { readonly kind: 'sending'; readonly bytes: number }
  | { readonly kind: 'progress'; readonly bytes: number }
  | { readonly kind: 'result'; readonly result: UploadChildResult };

export function startUploadChild(job: UploadJob): ChildProcess {
  // node with tsx's loader, not the tsx launcher: one process, so SIGKILL really kills the upload.
  return spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'upload-child.ts')], {
    // The project root, where `--import tsx` is resolved.
    cwd: join(import.meta.dirname, '..', '..'),
    env: { ...process.env, NODE_NO_WARNINGS: '1', [UPLOAD_CHILD_ENV]: JSON.stringify(job) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** What the child prints, line by line, until its stdout closes. */
export async function* uploadChildLines(child: ChildProcess): AsyncGenerator<UploadChildLine> {
  if (!child.stdout) throw new Error('the upload child has no stdout');
  for await (const line of createInterface({ input: child.stdout })) {
    const [word = '', rest = ''] = line.split(/ (.*)/s);
    if (word === 'sending' || word === 'progress') yield { kind: word, bytes: Number(rest) };
    else if (word === 'result') yield { kind: 'result', result: JSON.parse(rest) as UploadChildResult };
  }
}
