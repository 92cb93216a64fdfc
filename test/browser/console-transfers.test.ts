/**
 * The console's uploads through the shared helper, in a real browser: a 20 MiB file goes multipart,
 * is paused mid-way (nothing moves while paused; storage holds the parts sent), resumes where it
 * stopped (the parts stored are not sent again) and arrives byte-exact; a cancelled upload leaves
 * nothing listed and its multipart upload abandoned; and the usage panel shows the new bytes.
 * Alice's `public` level under `transfers/` is this file's alone (other files run beside it).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CDPSession, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, launchBrowser, screenshot } from './support/browser';
import { apiAs, limitUpload, MiB, openLevel, row, sha256, signInAs } from './support/console-helpers';

const SIZE = 20 * MiB;

function isMultipartStart(response: Response): boolean {
  return (
    response.request().method() === 'POST' && new URL(response.url()).pathname.endsWith('/files/multipart')
  );
}

/** The `value` the page gave an upload's progress bar. */
async function progressOf(page: Page, name: string): Promise<number> {
  return Number(await page.locator(`li[data-transfer="${name}"] progress`).getAttribute('value'));
}

describe('uploads in the console', () => {
  let browser: Browser;
  let page: Page;
  let cdp: CDPSession;
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'user-files-transfers-test-'));
    browser = await launchBrowser();
    page = browser.page;
    cdp = await browser.context.newCDPSession(page);
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

    await limitUpload(cdp, 4 * MiB);
    const started = page.waitForResponse(isMultipartStart);
    await page.getByLabel(/^Save as/).fill(name);
    await page.getByLabel('Drop files here, or choose files').setInputFiles(file);
    const start = (await (await started).json()) as { upload: string; partCount: number };
    expect(start.partCount).toBeGreaterThan(1);

    // Once storage holds a part, pause from the keyboard.
    await expect
      .poll(async () => Number(await transfer.getAttribute('data-stored')), { timeout: 20_000 })
      .toBeGreaterThan(0);
    await transfer.getByRole('button', { name: /^Pause/ }).focus();
    await page.keyboard.press('Enter');
    await transfer.getByText(/^paused: /).waitFor();
    await limitUpload(cdp, -1);
    const stored = Number(await transfer.getAttribute('data-stored'));
    const shown = await progressOf(page, name);
    expect(stored).toBeGreaterThan(0);
    expect(stored).toBeLessThan(SIZE);
    expect(shown).toBe(stored);
    await screenshot(page, '10-upload-paused');

    // Paused means paused: with the bandwidth back, nothing moves, in the page or in storage.
    await page.waitForTimeout(1500);
    await expect(progressOf(page, name)).resolves.toBe(shown);
    const { api } = await apiAs(0);
    const held = await api.POST('/files/multipart/progress', { body: { upload: start.upload } });
    const heldBytes = (held.data?.parts ?? []).reduce((sum, part) => sum + part.size, 0);
    expect(heldBytes).toBeGreaterThanOrEqual(stored);
    expect(heldBytes).toBeLessThan(SIZE);

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
    expect(sent).toBeLessThanOrEqual(SIZE - heldBytes);
    expect(sent).toBeGreaterThan(0);
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

    await limitUpload(cdp, 4 * MiB);
    const started = page.waitForResponse(isMultipartStart);
    // The panel uploads into the folder shown (`transfers/`); the name is relative to it.
    await page.getByLabel(/^Save as/).fill('cancel/gone.bin');
    await page.getByLabel('Drop files here, or choose files').setInputFiles(file);
    const start = (await (await started).json()) as { upload: string };
    await expect.poll(() => progressOf(page, name), { timeout: 20_000 }).toBeGreaterThan(0);
    await transfer.getByRole('button', { name: /^Cancel/ }).click();
    await transfer.getByText('cancelled').waitFor();
    await limitUpload(cdp, -1);
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
});
