/**
 * The e2e suite's global setup with a direct-mode local stack (see `global-setup.ts`), started in a
 * child process: this process already serves the sealed project's handler.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { TestProject } from 'vitest/node';
import { targetFromOutputsFile } from './support/target';

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const outputsFile = process.env.E2E_OUTPUTS;
  if (outputsFile) {
    project.provide('e2eTarget', targetFromOutputsFile(outputsFile, process.env.E2E_USERS));
    return undefined;
  }
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'support', 'stack-process.ts'), 'direct'],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout });
  const ready = new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      if (line.startsWith('READY ')) resolve(line.slice('READY '.length));
    });
    child.on('exit', (code) => reject(new Error(`the direct-mode stack exited early (${code})`)));
  });
  project.provide('e2eTarget', JSON.parse(await ready));
  return async () => {
    child.kill('SIGTERM');
    await exited;
  };
}
