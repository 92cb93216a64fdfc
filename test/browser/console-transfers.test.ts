/**
 * The console's uploads through the shared helper, in a real browser: a 20 MiB file goes multipart,
 * is paused mid-way (nothing moves while paused; storage holds the parts sent), resumes where it
 * stopped (the parts stored are not sent again) and arrives byte-exact, even after a reload (the
 * same file picked again); a cancelled upload leaves
 * nothing listed and its multipart upload abandoned; and the usage panel shows the new bytes.
 * Alice's `public` level under `transfers/` is this file's alone (other files run beside it).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page, Response, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, launchBrowser, screenshot } from './support/browser';
import { apiAs, MiB, openLevel, row, sha256, signInAs } from './support/console-helpers';

const SIZE = 20 * MiB;

function isMultipartStart(response: Response): boolean {
  return (
    response.request().method() === 'POST' && new URL(response.url()).pathname.endsWith('/files/multipart')
  );
}

/** A part PUT to storage (not its CORS preflight). */
function isPartPut(route: Route): boolean {
  const request = route.request();
  return request.method() === 'PUT' && new URL(request.url()).searchParams.has('partNumber');
}

/**
 * Holds part PUTs in the browser until released (then drops them): storage gets exactly the parts
 * `passes` lets through, whatever the machine's speed. Bandwidth emulation cannot do that: it
 * delays what the page sees, not always what storage receives.
 */
async function holdParts(page: Page, passes: (partNumber: string | null) => boolean) {
  const held: Route[] = [];
  let released = false;
  let first!: () => void;
  const holding = new Promise<void>((resolve) => {
    first = resolve;
  });
  // Only part requests (and their preflights) go through the test: every interception costs time.
  await page.route(
    (url) => url.searchParams.has('partNumber'),
    async (route) => {
      if (!isPartPut(route) || passes(new URL(route.request().url()).searchParams.get('partNumber'))) {
        return route.fallback();
      }
      // Once released, a held part must never reach storage, however late it comes.
      if (released) return route.abort();
      held.push(route);
      first();
    },
  );
  return {
    holding,
    /**
     * Drops the held requests (the page has abandoned them), then lets new ones through. Dropped
     * first: a request still held when its route is removed could otherwise go on to storage.
     */
    async release() {
      released = true;
      await Promise.all(held.map((route) => route.abort().catch(() => undefined)));
      await page.unrouteAll({ behavior: 'wait' });
    },
  };
}

/** The `value` the page gave an upload's progress bar. */
async function progressOf(page: Page, name: string): Promise<number> {
  return Number(await page.locator(`li[data-transfer="${name}"] progress`).getAttribute('value'));
}

describe('uploads in the console', () => {
  let browser: Browser;
  let page: Page;
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'user-files-transfers-test-'));
    browser = await launchBrowser();
    page = browser.page;
    await signInAs(page, 0);
    await openLevel(page, 'public');
  });

  afterAll(async () => {
    await browser?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('pauses a 20 MiB multipart upload mid-way, resumes where it stopped, and stores it byte-exact', async () => {
    const bytes = randomBytes(SIZE);
    const file = join(work, 'paused.bin');
    await writeFile(file, bytes);
    const name = 'transfers/paused.bin';
    const transfer = page.locator(`li[data-transfer="${name}"]`);

    // Part 1 reaches storage; the others wait in the browser until the upload is paused.
    const parts = await holdParts(page, (partNumber) => partNumber === '1');
    const started = page.waitForResponse(isMultipartStart);
    await page.getByLabel(/^Save as/).fill(name);
    await page.getByLabel('Drop files here, or choose files').setInputFiles(file);
    const start = (await (await started).json()) as { upload: string; partCount: number };
    expect(start.partCount).toBeGreaterThan(1);

    // Once storage holds part 1 and the rest are on their way, pause from the keyboard.
    await parts.holding;
    await expect
      .poll(async () => Number(await transfer.getAttribute('data-stored')), { timeout: 20_000 })
      .toBe(8 * MiB);
    await transfer.getByRole('button', { name: /^Pause/ }).focus();
    await page.keyboard.press('Enter');
    await transfer.getByText(/^paused: /).waitFor();
    await parts.release();
    await expect(progressOf(page, name)).resolves.toBe(8 * MiB);
    await screenshot(page, '10-upload-paused');

    // Paused means paused: with nothing held any more, nothing moves, in the page or in storage.
    await page.waitForTimeout(1500);
    await expect(progressOf(page, name)).resolves.toBe(8 * MiB);
    await expect(transfer.getAttribute('data-stored')).resolves.toBe(String(8 * MiB));
    const { api } = await apiAs(0);
    const held = await api.POST('/files/multipart/progress', { body: { upload: start.upload } });
    expect(held.data?.parts.map((part) => part.number)).toEqual([1]);

    // Resume continues the same upload: the stored parts are found, not sent again.
    const restarted = page.waitForResponse(isMultipartStart, { timeout: 3_000 }).then(
      () => true,
      () => false,
    );
    await transfer.getByRole('button', { name: /^Resume/ }).click();
    await transfer.getByText(/✓/).waitFor({ timeout: 30_000 });
    await expect(restarted).resolves.toBe(false);
    await expect(transfer.textContent()).resolves.toMatch(/resumed: \d+ parts? (was|were) already stored/);
    const sent = Number(await transfer.getAttribute('data-sent'));
    expect(sent).toBe(SIZE - 8 * MiB);
    await screenshot(page, '11-upload-resumed');

    await page.getByRole('button', { name: 'transfers/', exact: true }).click();
    await row(page, 'paused.bin').waitFor();
    const downloading = page.waitForEvent('download');
    await row(page, 'paused.bin').getByRole('button', { name: 'Download paused.bin' }).click();
    const saved = await readFile(await (await downloading).path());
    expect(sha256(saved)).toBe(sha256(bytes));
  });

  it('cancels an upload: nothing is listed and its multipart upload is abandoned', async () => {
    const file = join(work, 'gone.bin');
    await writeFile(file, randomBytes(SIZE));
    const name = 'transfers/cancel/gone.bin';
    const transfer = page.locator(`li[data-transfer="${name}"]`);

    // No part reaches storage before Cancel.
    const parts = await holdParts(page, () => false);
    const started = page.waitForResponse(isMultipartStart);
    // The panel uploads into the folder shown (`transfers/`); the name is relative to it.
    await page.getByLabel(/^Save as/).fill('cancel/gone.bin');
    await page.getByLabel('Drop files here, or choose files').setInputFiles(file);
    const start = (await (await started).json()) as { upload: string };
    await parts.holding;
    await transfer.getByRole('button', { name: /^Cancel/ }).click();
    await transfer.getByText('cancelled').waitFor();
    await parts.release();
    await expect(transfer.getByRole('button').count()).resolves.toBe(0);

    const { api } = await apiAs(0);
    const progress = await api.POST('/files/multipart/progress', { body: { upload: start.upload } });
    expect(progress.response.status).toBe(404);
    const listing = await api.GET('/files', {
      params: { query: { level: 'public', prefix: 'transfers/cancel/' } },
    });
    expect(listing.data?.items).toEqual([]);
    await page.getByRole('button', { name: /^public/ }).click();
    await page.getByRole('button', { name: 'transfers/', exact: true }).click();
    await row(page, 'paused.bin').waitFor();
    await expect(page.getByRole('button', { name: 'cancel/', exact: true }).count()).resolves.toBe(0);
  });

  it('offers no Pause or Cancel once every part is stored: a completion cannot be taken back', async () => {
    const file = join(work, 'late.bin');
    await writeFile(file, randomBytes(9 * MiB));
    const name = 'transfers/late.bin';
    const transfer = page.locator(`li[data-transfer="${name}"]`);
    // The completion waits in the browser until the page has been checked.
    let completing!: () => void;
    const reached = new Promise<void>((resolve) => {
      completing = resolve;
    });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route(
      (url) => url.pathname.endsWith('/files/multipart/complete'),
      async (route) => {
        if (route.request().method() === 'POST') {
          completing();
          await released;
        }
        await route.fallback();
      },
    );
    await openLevel(page, 'public');
    await page.getByLabel(/^Save as/).fill(name);
    await page.getByLabel('Drop files here, or choose files').setInputFiles(file);
    await reached;
    await expect(transfer.getAttribute('data-stored')).resolves.toBe(String(9 * MiB));
    await expect(transfer.getByRole('button').count()).resolves.toBe(0);
    release();
    await transfer.getByText(/✓/).waitFor();
    await page.unrouteAll({ behavior: 'ignoreErrors' });
    await page.getByRole('button', { name: 'transfers/', exact: true }).click();
    await row(page, 'late.bin').waitFor();
  });

  it('shows the usage storage events counted for the upload', async () => {
    const usage = page.getByRole('region', { name: 'Storage used' });
    await expect
      .poll(
        async () => {
          await usage.getByRole('button', { name: 'Refresh usage' }).click();
          return Number(await usage.locator('tr[data-level="public"]').getAttribute('data-bytes'));
        },
        { timeout: 15_000, interval: 500 },
      )
      .toBeGreaterThanOrEqual(SIZE);
    await expect(usage.locator('tr[data-level="shared"]').count()).resolves.toBe(1);
    await expect(usage.getByTestId('quota').textContent()).resolves.toBe('Quota: none');
    await screenshot(page, '12-usage');
  });

  it('a paused upload outlives a reload: picking the same file again resumes it, sending only the rest', async () => {
    const bytes = randomBytes(SIZE);
    const file = join(work, 'reload.bin');
    await writeFile(file, bytes);
    const name = 'transfers/reload.bin';
    const transfer = page.locator(`li[data-transfer="${name}"]`);
    await openLevel(page, 'public');

    const parts = await holdParts(page, (partNumber) => partNumber === '1');
    const started = page.waitForResponse(isMultipartStart);
    await page.getByLabel(/^Save as/).fill(name);
    await page.getByLabel('Drop files here, or choose files').setInputFiles(file);
    const start = (await (await started).json()) as { upload: string };
    await parts.holding;
    await expect
      .poll(async () => Number(await transfer.getAttribute('data-stored')), { timeout: 20_000 })
      .toBe(8 * MiB);
    await transfer.getByRole('button', { name: /^Pause/ }).click();
    await transfer.getByText(/^paused: /).waitFor();
    await parts.release();
    // What storage holds now is what the resume must find and not send again.
    const { api } = await apiAs(0);
    const held = await api.POST('/files/multipart/progress', { body: { upload: start.upload } });
    expect(held.data?.parts.map((part) => part.number)).toEqual([1]);

    // The page is gone (and with it the session); the multipart handle is remembered for this user.
    await page.reload();
    await signInAs(page, 0);
    await openLevel(page, 'public');
    const restarted = page.waitForResponse(isMultipartStart, { timeout: 3_000 }).then(
      () => true,
      () => false,
    );
    await page.getByLabel(/^Save as/).fill(name);
    await page.getByLabel('Drop files here, or choose files').setInputFiles(file);
    await transfer.getByText(/✓/).waitFor({ timeout: 30_000 });
    await expect(restarted).resolves.toBe(false);
    await expect(transfer.textContent()).resolves.toMatch(/resumed: 1 part was already stored/);
    expect(Number(await transfer.getAttribute('data-sent'))).toBe(SIZE - 8 * MiB);

    await page.getByRole('button', { name: 'transfers/', exact: true }).click();
    const downloading = page.waitForEvent('download');
    await row(page, 'reload.bin').getByRole('button', { name: 'Download reload.bin' }).click();
    expect(sha256(await readFile(await (await downloading).path()))).toBe(sha256(bytes));
  });
});
