/**
 * The running local stack's admin keys, for `npm run users` and `npm run audit` (scripts/), its
 * read-only audit credential (S3 `ListBucket` on the bucket only) and the API function's own keys,
 * with which `npm run users -- quota` finds a user's identity ID in sealed mode as the function does
 * (`GetOpenIdTokenForDeveloperIdentity`, which only those keys may call; in AWS, the administrator's
 * own credentials). They live in the `npm start` process's memory; this file hands them to the same
 * OS user only: created fresh with mode 0600 (never through an existing file or link), removed when
 * the stack stops, and worthless after it stops, as every start generates new keys.
 */
import { open, readFile, rm } from 'node:fs/promises';
import type { StaticCredentials } from '../core/aws-json';

export const ADMIN_KEYS_FILE_NAME = 'admin-keys.json';

export interface SessionCredentials extends StaticCredentials {
  readonly sessionToken: string;
}

export interface StackKeys extends StaticCredentials {
  /** Absent in a file written without it: the audit then says so. */
  readonly audit?: SessionCredentials;
  /** The API function's keys (the developer provider's); absent in a file written without them. */
  readonly developer?: StaticCredentials;
}

export async function writeAdminKeys(
  file: string,
  keys: StaticCredentials,
  audit?: SessionCredentials,
  developer?: StaticCredentials,
): Promise<void> {
  await rm(file, { force: true });
  // 'wx': fails rather than follow a file or symlink someone put there after the rm.
  const handle = await open(file, 'wx', 0o600);
  try {
    await handle.writeFile(
      `${JSON.stringify({
        accessKeyId: keys.accessKeyId,
        secretAccessKey: keys.secretAccessKey,
        ...(audit === undefined
          ? {}
          : {
              audit: {
                accessKeyId: audit.accessKeyId,
                secretAccessKey: audit.secretAccessKey,
                sessionToken: audit.sessionToken,
              },
            }),
        ...(developer === undefined
          ? {}
          : {
              developer: {
                accessKeyId: developer.accessKeyId,
                secretAccessKey: developer.secretAccessKey,
              },
            }),
      })}\n`,
    );
  } finally {
    await handle.close();
  }
}

export async function removeAdminKeys(file: string): Promise<void> {
  await rm(file, { force: true });
}

/** The keys, or undefined when no local stack has written them (none is running). */
export async function readAdminKeys(file: string): Promise<StackKeys | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const value: unknown = JSON.parse(text);
  const { accessKeyId, secretAccessKey, audit, developer } = (value ?? {}) as Record<string, unknown>;
  if (typeof accessKeyId !== 'string' || typeof secretAccessKey !== 'string') {
    throw new Error(`${file} does not hold the local stack's admin keys`);
  }
  const a = (audit ?? {}) as Record<string, unknown>;
  const hasAudit =
    typeof a.accessKeyId === 'string' &&
    typeof a.secretAccessKey === 'string' &&
    typeof a.sessionToken === 'string';
  const d = (developer ?? {}) as Record<string, unknown>;
  const hasDeveloper = typeof d.accessKeyId === 'string' && typeof d.secretAccessKey === 'string';
  return {
    accessKeyId,
    secretAccessKey,
    ...(hasAudit
      ? {
          audit: {
            accessKeyId: a.accessKeyId as string,
            secretAccessKey: a.secretAccessKey as string,
            sessionToken: a.sessionToken as string,
          },
        }
      : {}),
    ...(hasDeveloper
      ? {
          developer: {
            accessKeyId: d.accessKeyId as string,
            secretAccessKey: d.secretAccessKey as string,
          },
        }
      : {}),
  };
}
