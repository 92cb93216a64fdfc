/**
 * Guests (#18) in the console and in any page: a signed-in user uploads an image to `public` and
 * copies its permanent link (the `publicUrl` the API listed); the public page `/public/{owner}`
 * lists it for a browser that never signed in, with its preview; and the key test: a page
 * served from an origin the stack's CORS does not allow shows the image through that link, and
 * still shows it after the presigned URL the link first redirected to has expired.
 *
 * Its own stack (one for the file): URLs live 3 s, so the expiry can be waited out.
 */
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicLink } from '../../shared/domain/public-links';
import { sleep } from '../e2e/support/storage';
import { type Browser, launchBrowser, screenshot } from './support/browser';
import { apiAs, openLevel, put, row, signInAs } from './support/console-helpers';
import { solidPng } from './support/png';
import { type StackChild, startStackChild } from './support/stack-child';
import type { ConsoleTarget } from './support/target';

const URL_LIFETIME_SECONDS = 3;
const IMAGE = { name: 'pixel.png', width: 8, height: 6 } as const;

/** The little of the page's DOM the in-page functions use (this program is typed without the DOM lib). */
interface InPage {
  navigator: { clipboard: { readText(): Promise<string> } };
}
interface ImageElement {
  readonly complete: boolean;
  readonly naturalWidth: number;
}

/** The rendered width of the `<img>` `locator` finds: 0 until it has decoded an image. */
async function naturalWidth(locator: ReturnType<Page['locator']>): Promise<number> {
  return locator.evaluate((element) => {
    const image = element as unknown as ImageElement;
    return image.complete ? image.naturalWidth : 0;
  });
}

/** When a presigned URL stops working: its `X-Amz-Date` plus `X-Amz-Expires` seconds (ms). */
function presignedExpiry(url: string): number {
  const query = new URL(url).searchParams;
  const date = query.get('X-Amz-Date') ?? '';
  const signedAt = Date.parse(
    date.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
  );
  return signedAt + Number(query.get('X-Amz-Expires')) * 1000;
}

/** A page of another site: it only embeds `src`, as any web page may, with no script of its own. */
async function startOtherSite(src: string): Promise<{ server: Server; origin: string }> {
  const attribute = src.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(`<!doctype html><title>Another site</title><img id="picture" alt="embedded" src="${attribute}">`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  return { server, origin: `http://127.0.0.1:${address.port}` };
}

describe('public files: the copy action, the public page and permanent links', () => {
  let stack: StackChild;
  let target: ConsoleTarget;
  let member: Browser;
  let guest: Browser;
  let work: string;
  const png = solidPng(IMAGE.width, IMAGE.height, [200, 40, 40]);

  /** The `publicUrl` the API lists for one of the first demo user's public files. */
  async function listedPublicUrl(key: string): Promise<string> {
    const { api } = await apiAs(0, target);
    const listed = await api.GET('/files', { params: { query: { level: 'public' } } });
    const url = listed.data?.items.find((item) => item.key === key)?.publicUrl;
    if (url === undefined) throw new Error(`the listing gave no publicUrl for ${key}`);
    return url;
  }

  beforeAll(async () => {
    stack = await startStackChild({
      DEFAULT_URL_LIFETIME_SECONDS: String(URL_LIFETIME_SECONDS),
      MAX_URL_LIFETIME_SECONDS: String(URL_LIFETIME_SECONDS),
    });
    target = stack.target;
    work = await mkdtemp(join(tmpdir(), 'user-files-public-test-'));
    await writeFile(join(work, IMAGE.name), png);
    [member, guest] = await Promise.all([launchBrowser(), launchBrowser()]);
  });

  afterAll(async () => {
    await Promise.all([member?.close(), guest?.close()]);
    await stack?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('copies the publicUrl the API listed for an uploaded image, and offers no link without one', async () => {
    const page = member.page;
    const consoleOrigin = new URL(target.consoleUrl).origin;
    await member.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: consoleOrigin });
    const alice = await apiAs(0, target);
    await put(alice.api, 'private', 'secret.txt', 'not for guests');

    await signInAs(page, 0, target);
    // A private file has no publicUrl, so no such action.
    await row(page, 'secret.txt').waitFor();
    await expect(page.getByRole('button', { name: /^Copy public link/ }).count()).resolves.toBe(0);

    await openLevel(page, 'public');
    await page.getByLabel('Drop files here, or choose files').setInputFiles(join(work, IMAGE.name));
    await row(page, IMAGE.name).waitFor();
    await row(page, IMAGE.name)
      .getByRole('button', { name: `Copy public link ${IMAGE.name}` })
      .click();
    await page
      .getByRole('status')
      .filter({ hasText: `Copied the public link of ${IMAGE.name}` })
      .waitFor();
    const copied = await page.evaluate(() =>
      (globalThis as unknown as InPage).navigator.clipboard.readText(),
    );
    const publicUrl = await listedPublicUrl(IMAGE.name);
    expect(copied).toBe(publicUrl);
    expect(publicUrl).toBe(publicLink(target.apiUrl, alice.identityId, IMAGE.name));
    await screenshot(page, '20-public-link-copied');

    // The identity panel links to the public page.
    const pageLink = page.getByRole('link', { name: 'Your public page' });
    await expect(pageLink.getAttribute('href')).resolves.toBe(`/public/${alice.identityId}`);

    // Another owner's public folder, read-only, offers the same link.
    await signInAs(page, 1, target);
    await page.getByLabel(/^Level/).selectOption('public');
    await page.getByLabel(/^Owner identity ID/).fill(alice.identityId);
    await page.getByRole('button', { name: 'Open folder' }).click();
    await row(page, IMAGE.name)
      .getByRole('button', { name: `Copy public link ${IMAGE.name}` })
      .click();
    await page
      .getByRole('status')
      .filter({ hasText: `Copied the public link of ${IMAGE.name}` })
      .waitFor();
    await expect(
      page.evaluate(() => (globalThis as unknown as InPage).navigator.clipboard.readText()),
    ).resolves.toBe(publicUrl);
    await expect(page.getByRole('button', { name: `Delete ${IMAGE.name}` }).count()).resolves.toBe(0);
  });

  it('lists the public folder to a browser that never signed in, with the image previewed', async () => {
    const { api, identityId } = await apiAs(0, target);
    await Promise.all(
      Array.from({ length: 11 }, (_, index) =>
        put(api, 'public', `notes/note-${String(index).padStart(2, '0')}.txt`, `note ${index}`),
      ),
    );
    const publicUrl = await listedPublicUrl(IMAGE.name);
    const page = guest.page;
    await page.goto(new URL(`public/${identityId}`, target.consoleUrl).href);
    await page.getByRole('heading', { name: 'Public files' }).waitFor();
    await expect(page.getByTestId('public-owner').textContent()).resolves.toBe(identityId);

    const image = row(page, IMAGE.name);
    const preview = image.getByRole('img', { name: `Preview of ${IMAGE.name}` });
    await expect.poll(() => naturalWidth(preview), { timeout: 10_000 }).toBe(IMAGE.width);
    await expect(image.getByRole('link', { name: `Open ${IMAGE.name}` }).getAttribute('href')).resolves.toBe(
      `${publicUrl}?inline=1`,
    );
    await expect(
      image.getByRole('link', { name: `Download ${IMAGE.name}` }).getAttribute('href'),
    ).resolves.toBe(publicUrl);
    await expect(row(page, 'notes/note-00.txt').getByText('No preview').isVisible()).resolves.toBe(true);
    await screenshot(page, '21-public-page');

    // The permanent link saves the very bytes uploaded.
    const downloading = page.waitForEvent('download');
    await image.getByRole('link', { name: `Download ${IMAGE.name}` }).click();
    const saved = await readFile(await (await downloading).path());
    expect(saved.equals(png)).toBe(true);

    // Twelve files, ten a page.
    await page.getByLabel('Per page').selectOption('10');
    await row(page, 'notes/note-10.txt').waitFor({ state: 'detached' });
    await expect(page.locator('tbody tr').count()).resolves.toBe(10);
    await page.getByRole('button', { name: 'Next page' }).click();
    await row(page, 'notes/note-10.txt').waitFor();
    await expect(page.locator('tbody tr').count()).resolves.toBe(2);
    await expect(page.getByRole('button', { name: 'Next page' }).isDisabled()).resolves.toBe(true);
  });

  it('shows an unknown owner as an empty folder and a malformed one as the API problem', async () => {
    const page = guest.page;
    await page.goto(new URL('public/us-east-1:00000000-0000-4000-8000-000000000000', target.consoleUrl).href);
    await page.getByText('No public files here.').waitFor();

    await page.goto(new URL('public/not-an-owner', target.consoleUrl).href);
    const alert = page.getByRole('alert', { name: 'Public folder error' });
    await alert.getByText('Invalid request').waitFor();
    await expect(alert.locator('.problem-detail').textContent()).resolves.toMatch(/^owner: /);
    await screenshot(page, '22-public-page-refused');
  });

  it('shows the image on a page of an origin the API does not allow, also once the first URL expired', async () => {
    const publicUrl = await listedPublicUrl(IMAGE.name);
    const { server, origin } = await startOtherSite(publicUrl);
    try {
      // Not one of the stack's allowed origins: the API grants it no CORS.
      const cors = await fetch(new URL('files', target.apiUrl), {
        method: 'OPTIONS',
        headers: { Origin: origin },
      });
      expect(cors.headers.get('access-control-allow-origin')).not.toBe(origin);

      // Where the permanent link sent the browser, each time (never printed: they are bearer URLs).
      const page = guest.page;
      const redirectedTo: string[] = [];
      page.on('request', (request) => {
        if (request.redirectedFrom()?.url() === publicUrl) redirectedTo.push(request.url());
      });
      const picture = page.locator('#picture');

      await page.goto(`${origin}/`);
      await expect.poll(() => naturalWidth(picture), { timeout: 10_000 }).toBe(IMAGE.width);
      const [first] = redirectedTo;
      if (first === undefined) throw new Error('the image was not loaded through the permanent link');
      expect(new URL(first).origin).toBe(new URL(target.s3Endpoint).origin);
      const expiresAt = presignedExpiry(first);
      expect(expiresAt - Date.now()).toBeLessThanOrEqual(URL_LIFETIME_SECONDS * 1000);
      await screenshot(page, '23-other-site');

      // Past that URL's end, storage refuses it...
      await sleep(expiresAt - Date.now() + 1_000);
      const stale = await fetch(first);
      expect(stale.status).toBe(403);
      await expect(stale.text()).resolves.toContain('Request has expired');

      // ...and the same page still shows the image: the link signed a new URL.
      await page.reload();
      await expect.poll(() => naturalWidth(picture), { timeout: 10_000 }).toBe(IMAGE.width);
      const last = redirectedTo.at(-1);
      expect(redirectedTo.length).toBeGreaterThanOrEqual(2);
      expect(last !== undefined && last !== first, 'a new presigned URL after the reload').toBe(true);
      expect(presignedExpiry(last ?? first)).toBeGreaterThan(expiresAt);
    } finally {
      server.close();
    }
  });
});
