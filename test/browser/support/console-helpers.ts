/** What the console tests share: API sessions as the demo users, seeding files, finding rows. */
import { createHash } from 'node:crypto';
import type { CDPSession, Page } from 'playwright-core';
import { signIn } from '../../../console/src/auth';
import { createFilesClient, type FilesClient } from '../../../shared/api/client';
import type { components } from '../../../shared/api/schema';
import { createFreshUser } from '../../e2e/support/fresh-user';
import { type ConsoleTarget, consoleTarget, demoUser } from './target';

export type Me = components['schemas']['Me'];

export const MiB = 1024 * 1024;
export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** `target`: the project's stack unless a file started its own (support/stack-child.ts). */
export async function apiAs(
  index: number,
  target: ConsoleTarget = consoleTarget(),
): Promise<{ api: FilesClient; identityId: string; me: Me }> {
  const user = demoUser(index, target);
  const session = await signIn(target.userPool, user.username, user.password);
  const api = createFilesClient({ baseUrl: target.apiUrl, getIdToken: () => session.idToken() });
  const me = await api.GET('/me');
  if (!me.data) throw new Error(`GET /me failed: ${me.response.status}`);
  return { api, identityId: me.data.identityId, me: me.data };
}

/** Stores `body` through the API's presigned PUT, as any client would. */
export async function put(
  api: FilesClient,
  level: 'private' | 'protected' | 'public',
  key: string,
  body: string,
): Promise<void> {
  const bytes = new TextEncoder().encode(body);
  const { data } = await api.POST('/files/uploads', {
    body: { level, key, contentType: 'text/plain', size: bytes.length },
  });
  if (!data) throw new Error(`upload URL for ${key} refused`);
  const stored = await fetch(data.url, { method: data.method, headers: data.headers, body: bytes });
  if (!stored.ok) throw new Error(`PUT ${key}: ${stored.status}`);
}

/** A row of a table whose cell is exactly `name`, optionally within one region of the page. */
export function row(page: Page, name: string, within: Page | ReturnType<Page['locator']> = page) {
  return within.getByRole('row').filter({ has: page.getByRole('cell', { name, exact: true }) });
}

/** Signs in as demo user `index` with the offered button, and waits for the identity panel. */
export async function signInAs(page: Page, index: number, target = consoleTarget()): Promise<void> {
  await page.goto(target.consoleUrl);
  await page.getByRole('button', { name: `Sign in as ${demoUser(index, target).username}` }).click();
  await page.getByRole('heading', { name: 'Your identity' }).waitFor();
}

/** Opens one of the caller's own levels at its root. */
export async function openLevel(
  page: Page,
  level: 'private' | 'protected' | 'public' | 'shared',
  grantee = '',
) {
  await page.getByLabel(/^Level/).selectOption(level);
  if (level !== 'private') await page.getByLabel(/^Owner identity ID/).fill('');
  if (level === 'shared') await page.getByLabel(/^Grantee identity ID/).fill(grantee);
  await page.getByRole('button', { name: 'Open folder' }).click();
}

/** Bounds the browser's upload bandwidth (bytes/s; -1 lifts it), so progress can be watched. */
export async function limitUpload(cdp: CDPSession, bytesPerSecond: number): Promise<void> {
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: bytesPerSecond,
  });
}

/** A new user of the stack's pool, in no group (the stack's admin keys create it). */
export function freshUser(name: string, target = consoleTarget()) {
  const { region, userPoolId, credentials } = target.admin;
  return createFreshUser(
    {
      region,
      userPoolId,
      endpoints: { cognitoIdp: target.userPool.endpoint },
      localSecrets: { adminCredentials: credentials },
    },
    name,
  );
}

/** Signs in through the form, as a user the page offers no button for. */
export async function signInWithForm(
  page: Page,
  user: { username: string; password: string },
  target = consoleTarget(),
): Promise<void> {
  await page.goto(target.consoleUrl);
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { name: 'Your identity' }).waitFor();
}
