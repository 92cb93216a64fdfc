/**
 * Malware scanning (#20) in the console, on a stack of its own that scans every key, its scanner
 * waiting a few seconds after each write so "scanning…" can be seen: an EICAR upload is badged
 * "scanning…", then leaves the listing and shows among the owner's removed uploads as malware, with
 * the threat; a clean image is held while scanned ("try again in N s" on Download), then badged
 * "clean" and saved byte-exact. On the project's stack, which does not scan, the console asks for
 * no scan status, shows no badges and does not poll.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCAN_POLL_MS } from '../../console/src/scan-polling';
import { EICAR, EICAR_THREAT } from '../../local/scanner/scanner';
import { sleep } from '../e2e/support/storage';
import { type Browser, launchBrowser, screenshot } from './support/browser';
import { freshUser, row, signInAs, signInWithForm } from './support/console-helpers';
import { solidPng } from './support/png';
import { type StackChild, startStackChild } from './support/stack-child';
import type { ConsoleTarget } from './support/target';

/** Long enough that a click on Download lands before the scan, on a busy machine too. */
const SCAN_DELAY_MS = 3000;

/** Every `GET /files` listing the page asks for, as URLs. */
function recordListings(page: Page): URL[] {
  const listings: URL[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (request.method() === 'GET' && url.pathname.endsWith('/files')) listings.push(url);
  });
  return listings;
}

describe('malware scanning in the console', () => {
  let stack: StackChild;
  let target: ConsoleTarget;
  let browser: Browser;
  let page: Page;
  let listings: URL[];
  let work: string;
  const png = solidPng(8, 6, [40, 160, 90]);

  beforeAll(async () => {
    stack = await startStackChild({ MALWARE_SCANNING: '1', SCAN_DELAY_MS: String(SCAN_DELAY_MS) });
    target = stack.target;
    work = await mkdtemp(join(tmpdir(), 'user-files-scanning-test-'));
    await writeFile(join(work, 'eicar.txt'), EICAR);
    await writeFile(join(work, 'pixel.png'), png);
    browser = await launchBrowser();
    page = browser.page;
    listings = recordListings(page);
    await signInAs(page, 0, target);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('badges an EICAR upload "scanning…", then shows it removed as malware with the threat', async () => {
    await page.getByTestId('malware-scanning').getByText('every folder').waitFor();
    await page.getByLabel('Drop files here, or choose files').setInputFiles(join(work, 'eicar.txt'));
    const eicar = row(page, 'eicar.txt');
    await eicar.getByText('scanning…', { exact: true }).waitFor();
    await screenshot(page, '30-scan-pending');

    // Polling finds it gone once the events function removed it, and refreshes the rejections.
    await eicar.waitFor({ state: 'detached', timeout: 20_000 });
    const removed = page
      .getByRole('list', { name: 'Recently removed uploads' })
      .getByRole('listitem')
      .filter({ hasText: 'private/eicar.txt' });
    await removed.waitFor();
    await expect(removed.textContent()).resolves.toContain(
      `removed: malware (threats found: ${EICAR_THREAT})`,
    );
    await screenshot(page, '31-scan-removed-malware');
    // Every listing asked for the scan status, and the pending file was listed again.
    expect(listings.length).toBeGreaterThanOrEqual(3);
    expect(listings.filter((url) => url.searchParams.get('scan') !== 'true')).toEqual([]);
  });

  it('holds a clean image while it is scanned, then badges it "clean" and saves it byte-exact', async () => {
    await page.getByLabel('Drop files here, or choose files').setInputFiles(join(work, 'pixel.png'));
    const image = row(page, 'pixel.png');
    await image.getByText('scanning…', { exact: true }).waitFor();

    // Too early: the API's 409 scan_pending, in words, and no download.
    await image.getByRole('button', { name: 'Download pixel.png' }).click();
    const problem = page.getByRole('alert', { name: 'Files error' });
    await problem.getByText('Still being scanned', { exact: true }).waitFor();
    await expect(problem.locator('.problem-detail').textContent()).resolves.toMatch(
      /^pixel\.png is still being scanned for malware: try again in \d+ s\.$/,
    );
    await screenshot(page, '32-scan-download-held');

    await image.getByText('clean', { exact: true }).waitFor({ timeout: 20_000 });
    const downloading = page.waitForEvent('download');
    await image.getByRole('button', { name: 'Download pixel.png' }).click();
    const saved = await readFile(await (await downloading).path());
    expect(saved.equals(png)).toBe(true);
    await expect(problem.textContent()).resolves.toBe('');
    await screenshot(page, '33-scan-clean');
  });

  it('names the status of a download the scan blocks', async () => {
    // The local scanner never leaves a listed file blocked (malware is removed at once, and it
    // neither fails nor meets unscannable files), so the real answer is rewritten to GuardDuty's.
    await page.route(
      (url) => url.pathname.endsWith('/files/downloads'),
      async (route) => {
        const response = await route.fetch();
        await route.fulfill({
          response,
          status: 409,
          contentType: 'application/problem+json',
          body: JSON.stringify({
            type: 'urn:user-files-api:problem:scan_blocked',
            title: 'Blocked by the malware scan',
            status: 409,
            code: 'scan_blocked',
            detail: 'storage holds this file back: its malware scan is failed',
            scan: 'failed',
          }),
        });
      },
    );
    try {
      await row(page, 'pixel.png').getByRole('button', { name: 'Download pixel.png' }).click();
      const problem = page.getByRole('alert', { name: 'Files error' });
      await problem.getByText('Blocked: failed', { exact: true }).waitFor();
      await problem.getByText('its malware scan is failed').waitFor();
    } finally {
      await page.unrouteAll({ behavior: 'ignoreErrors' });
    }
  });
});

describe('the console without malware scanning', () => {
  it('asks for no scan status, shows no badges and does not poll', async () => {
    const browser = await launchBrowser();
    try {
      const { page } = browser;
      const listings = recordListings(page);
      await signInWithForm(page, await freshUser('console-no-scanning'));
      const work = await mkdtemp(join(tmpdir(), 'user-files-no-scanning-test-'));
      try {
        await writeFile(join(work, 'plain.txt'), 'nothing to scan here\n');
        await page.getByLabel('Drop files here, or choose files').setInputFiles(join(work, 'plain.txt'));
        await row(page, 'plain.txt').waitFor();
      } finally {
        await rm(work, { recursive: true, force: true });
      }
      const settled = listings.length;
      // Two poll intervals with a file listed: no more listings than those asked for.
      await sleep(2 * SCAN_POLL_MS + 500);
      expect(listings.length).toBe(settled);
      expect(listings.filter((url) => url.searchParams.has('scan'))).toEqual([]);
      await expect(page.getByRole('columnheader', { name: 'Scan' }).count()).resolves.toBe(0);
      await expect(page.getByTestId('malware-scanning').count()).resolves.toBe(0);
      await expect(page.locator('.scan-badge').count()).resolves.toBe(0);
    } finally {
      await browser.close();
    }
  });
});
