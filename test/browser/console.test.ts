/**
 * The web console in a real browser against the local stack: sign in as a demo user, see `GET /me`,
 * upload a 20 MiB file with visible progress, find it listed, download it byte-exact, delete it;
 * page through a folder; open another user's protected folder by identity ID; and every refusal
 * shown as the API's problem (title and detail).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, launchBrowser, screenshot } from './support/browser';
import { apiAs, limitUpload, MiB, put, row, sha256 } from './support/console-helpers';
import { consoleTarget, demoUser } from './support/target';

/** The little of the page's DOM the in-page functions use (this program is typed without the DOM lib). */
interface InPage {
  progressSeen: number[];
  document: {
    body: unknown;
    querySelector(selector: 'progress'): { value: number; max: number } | null;
  };
  MutationObserver: new (
    callback: (records: { target: { tagName: string; value?: number } }[]) => void,
  ) => { observe(target: unknown, options: object): void };
}

describe('the web console', () => {
  let browser: Browser;
  let page: Page;
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'user-files-console-test-'));
    browser = await launchBrowser();
    page = browser.page;
  });

  afterAll(async () => {
    await browser?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('signs a demo user in and shows who the API says they are', async () => {
    const alice = demoUser(0);
    await page.goto(consoleTarget().consoleUrl);
    await expect(
      page.getByRole('button', { name: `Sign in as ${alice.username}` }).isVisible(),
    ).resolves.toBe(true);
    await screenshot(page, '01-sign-in');

    // A wrong password: the user pool's refusal, shown.
    await page.getByLabel('Username').fill(alice.username);
    await page.getByLabel('Password').fill(`${alice.password}-wrong`);
    await page.getByLabel('Password').press('Enter');
    const refusal = page.getByRole('alert', { name: 'Sign-in error' });
    await refusal.getByText('Sign-in refused').waitFor();
    await expect(refusal.locator('.problem-detail').textContent()).resolves.not.toBe('');
    await screenshot(page, '01b-sign-in-refused');

    // The demo user, from the keyboard.
    await page.getByRole('button', { name: `Sign in as ${alice.username}` }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Your identity' }).waitFor();
    const { me } = await apiAs(0);
    await expect(page.getByTestId('username').textContent()).resolves.toBe(me.username);
    // The name others see: the verified email the demo user signs in with.
    await expect(page.getByTestId('name').textContent()).resolves.toBe(alice.username);
    await expect(page.getByTestId('identity-id').textContent()).resolves.toBe(me.identityId);
    await expect(page.getByRole('banner').textContent()).resolves.toContain(alice.username);
    await page.getByText('This folder is empty.').waitFor();
    await screenshot(page, '02-signed-in');
  });

  it('uploads 20 MiB with a progress bar that moves, lists it, downloads it byte-exact, deletes it', async () => {
    const bytes = randomBytes(20 * MiB);
    const file = join(work, 'big.bin');
    await writeFile(file, bytes);

    // Every value the progress bar takes, as the page sets it.
    await page.evaluate(() => {
      const page = globalThis as unknown as InPage;
      const seen: number[] = [];
      page.progressSeen = seen;
      new page.MutationObserver((records) => {
        for (const record of records) {
          if (record.target.tagName === 'PROGRESS') seen.push(record.target.value ?? Number.NaN);
        }
      }).observe(page.document.body, { subtree: true, attributes: true, attributeFilter: ['value'] });
    });
    // A bounded link, so the 20 MiB take long enough to show progress on a fast loopback.
    const cdp = await browser.context.newCDPSession(page);
    await limitUpload(cdp, 40 * MiB);

    await page.getByLabel('Drop files here, or choose files').setInputFiles(file);
    await page.getByRole('progressbar', { name: 'Upload of big.bin' }).waitFor();
    await page.waitForFunction(() => {
      const bar = (globalThis as unknown as InPage).document.querySelector('progress');
      return bar !== null && bar.value > 0 && bar.value < bar.max;
    });
    await screenshot(page, '03-upload-progress');
    await row(page, 'big.bin').waitFor({ timeout: 30_000 });
    await limitUpload(cdp, -1);

    const seen = await page.evaluate(() => (globalThis as unknown as InPage).progressSeen);
    const intermediate = seen.filter((value) => value > 0 && value < bytes.length);
    expect(intermediate.length).toBeGreaterThanOrEqual(3);
    expect(seen.at(-1)).toBe(bytes.length);
    await expect(row(page, 'big.bin').getByRole('cell', { name: '20.0 MiB' }).isVisible()).resolves.toBe(
      true,
    );
    await screenshot(page, '04-listed');

    const downloading = page.waitForEvent('download');
    await row(page, 'big.bin').getByRole('button', { name: 'Download big.bin' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe('big.bin');
    const saved = await readFile(await download.path());
    expect(sha256(saved)).toBe(sha256(bytes));

    await row(page, 'big.bin').getByRole('button', { name: 'Delete big.bin' }).click();
    await row(page, 'big.bin').getByRole('button', { name: 'Confirm delete big.bin' }).click();
    await page.getByRole('status').filter({ hasText: 'Deleted big.bin' }).waitFor();
    await page.getByText('This folder is empty.').waitFor();
    const { api } = await apiAs(0);
    const listing = await api.GET('/files', { params: { query: { level: 'private' } } });
    expect(listing.data?.items.map((item) => item.key)).not.toContain('big.bin');
  });

  it('shows the problem when the API refuses an upload key', async () => {
    const file = join(work, 'small.txt');
    await writeFile(file, 'hello\n');
    await page.getByLabel(/^Save as/).fill('../escape.txt');
    await page.getByLabel('Drop files here, or choose files').setInputFiles(file);
    const alert = page.getByRole('alert', { name: 'Upload error' });
    await alert.getByText('Invalid request').waitFor();
    await expect(alert.locator('.problem-detail').textContent()).resolves.toMatch(/^key: .*"\.\."/);
    // The refused name stays in the field, to be corrected.
    await expect(page.getByLabel(/^Save as/).inputValue()).resolves.toBe('../escape.txt');
    await screenshot(page, '05-upload-refused');
  });

  it('pages through a folder and opens sub-folders', async () => {
    const { api } = await apiAs(0);
    await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        put(api, 'private', `paging/note-${String(index).padStart(2, '0')}.txt`, `note ${index}`),
      ),
    );
    await put(api, 'private', 'paging/deeper/inner.txt', 'inner');

    await page.getByRole('button', { name: /^private/ }).click();
    await page.getByRole('button', { name: 'paging/' }).click();
    await row(page, 'note-11.txt').waitFor();
    await page.getByLabel('Per page').selectOption('10');
    // One folder and nine files fill the first page of ten (the page of 25 showed them all).
    await row(page, 'note-09.txt').waitFor({ state: 'detached' });
    await expect(row(page, 'note-08.txt').isVisible()).resolves.toBe(true);
    await expect(page.getByRole('button', { name: 'deeper/' }).isVisible()).resolves.toBe(true);

    await page.getByRole('button', { name: 'Next page' }).click();
    await row(page, 'note-11.txt').waitFor();
    await expect(row(page, 'note-00.txt').count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: 'Next page' }).isDisabled()).resolves.toBe(true);

    await page.getByRole('button', { name: 'Previous page' }).click();
    await row(page, 'note-00.txt').waitFor();
    await page.getByRole('button', { name: 'deeper/' }).click();
    await row(page, 'inner.txt').waitFor();
    await screenshot(page, '06-folder');
  });

  it("opens another user's protected folder by identity ID, read-only", async () => {
    const bob = await apiAs(1);
    await put(bob.api, 'protected', 'shared/hello.txt', 'hello from bob');

    await page.getByLabel(/^Level/).selectOption('protected');
    await page.getByLabel(/^Owner identity ID/).fill(bob.identityId);
    await page.getByRole('button', { name: 'Open folder' }).click();
    await page.getByRole('button', { name: 'shared/' }).click();
    await row(page, 'hello.txt').waitFor();
    // Another's folder: downloads only, no upload or delete offered.
    await expect(page.getByRole('button', { name: 'Delete hello.txt' }).count()).resolves.toBe(0);
    await expect(page.getByLabel('Drop files here, or choose files').count()).resolves.toBe(0);

    const downloading = page.waitForEvent('download');
    await row(page, 'hello.txt').getByRole('button', { name: 'Download hello.txt' }).click();
    const saved = await readFile(await (await downloading).path(), 'utf8');
    expect(saved).toBe('hello from bob');
    await screenshot(page, '07-other-owner');
  });

  it('shows the problem for an owner ID the API refuses', async () => {
    await page.getByLabel(/^Level/).selectOption('public');
    await page.getByLabel(/^Owner identity ID/).fill('us-east-1:not-an-identity');
    await page.getByRole('button', { name: 'Open folder' }).click();
    const alert = page.getByRole('alert', { name: 'Files error' });
    await alert.getByText('Invalid request').waitFor();
    await expect(alert.locator('.problem-detail').textContent()).resolves.toMatch(/^owner: /);
    await screenshot(page, '08-owner-refused');
  });
});
