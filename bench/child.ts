/**
 * Runs a bench TypeScript module in a second Node process (through tsx's loader) and returns the
 * JSON object on the last line of its stdout. The job goes in through the environment, not argv,
 * because it carries ID tokens and argv is visible to every user of the machine.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface ChildOptions {
  /** Path relative to the repository root. */
  readonly script: string;
  readonly env: Record<string, string>;
  /** Killed (and the run failed) after this long. */
  readonly timeoutMs: number;
  /** Receives the child's stderr lines (progress). @default process.stderr */
  readonly onStderr?: (chunk: string) => void;
}

export function runChild<T>(options: ChildOptions): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, options.script)], {
      cwd: ROOT,
      env: { ...process.env, NODE_NO_WARNINGS: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr
      .setEncoding('utf8')
      .on('data', options.onStderr ?? ((chunk: string) => process.stderr.write(chunk)));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const last = stdout.trimEnd().split('\n').pop() ?? '';
      if (code !== 0) {
        reject(new Error(`${options.script} failed (${signal ?? `exit ${code}`}): ${last.slice(0, 300)}`));
        return;
      }
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`${options.script} printed no JSON result`));
      }
    });
  });
}
