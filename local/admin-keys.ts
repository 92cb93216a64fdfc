/**
 * The running local stack's admin keys, for `npm run users` (scripts/users.ts). They live in the
 * `npm start` process's memory; this file hands them to the same OS user only: created fresh with
 * mode 0600 (never through an existing file or link), removed when the stack stops, and worthless
 * after it stops, as every start generates new keys.
 */
import { open, readFile, rm } from 'node:fs/promises';
import type { StaticCredentials } from './aws-json';

export const ADMIN_KEYS_FILE_NAME = 'admin-keys.json';

export async function writeAdminKeys(file: string, keys: StaticCredentials): Promise<void> {
  await rm(file, { force: true });
  // 'wx': fails rather than follow a file or symlink someone put there after the rm.
  const handle = await open(file, 'wx', 0o600);
  try {
    await handle.writeFile(
      `${JSON.stringify({ accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey })}\n`,
    );
  } finally {
    await handle.close();
  }
}

export async function removeAdminKeys(file: string): Promise<void> {
  await rm(file, { force: true });
}

/** The keys, or undefined when no local stack has written them (none is running). */
export async function readAdminKeys(file: string): Promise<StaticCredentials | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const value: unknown = JSON.parse(text);
  const { accessKeyId, secretAccessKey } = (value ?? {}) as Record<string, unknown>;
  if (typeof accessKeyId !== 'string' || typeof secretAccessKey !== 'string') {
    throw new Error(`${file} does not hold the local stack's admin keys`);
  }
  return { accessKeyId, secretAccessKey };
}
