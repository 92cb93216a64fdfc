/**
 * Sharing, "Shared with me" and copies in the console, in real browsers: Alice shares a 20 MiB file
 * with Bob by username, Bob (his own browser) finds it under "Shared with me" and downloads it
 * byte-exact, Alice finds it in her `shared` level and under "Shared by me", revokes it there, and it
 * leaves Bob's list; files are copied,
 * moved and renamed between levels, and copied out of another owner's folder. Alice's `protected`
 * level is this file's alone (other files run beside it); copies land under `public/moves/`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, launchBrowser, screenshot } from './support/browser';
import { apiAs, MiB, openLevel, put, row, sha256, signInAs } from './support/console-helpers';
import { demoUser } from './support/target';

/** The "Shared with me" table, refreshed until `check` holds (the index follows storage events). */
async function refreshSharedWithMe(page: Page, key: string, present: boolean): Promise<void> {
  const panel = page.getByRole('region', { name: 'Shared with me' });
  await expect
    .poll(
      async () => {
        await panel.getByRole('button', { name: 'Refresh shared with me' }).click();
        await panel.getByRole('table').and(page.locator('[aria-busy="false"]')).waitFor();
        return row(page, key, panel).count();
      },
      { timeout: 15_000, interval: 500 },
    )
    .toBe(present ? 1 : 0);
}

describe('sharing and copying in the console', () => {
  let alice: Browser;
  let bob: Browser;
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'user-files-sharing-test-'));
    [alice, bob] = await Promise.all([launchBrowser(), launchBrowser()]);
    await Promise.all([signInAs(alice.page, 0), signInAs(bob.page, 1)]);
  });

  afterAll(async () => {
    await Promise.all([alice?.close(), bob?.close()]);
    await rm(work, { recursive: true, force: true });
  });

  it('shares a 20 MiB file by username; the grantee downloads it; a revoke takes it away', async () => {
    const page = alice.page;
    const bytes = randomBytes(20 * MiB);
    const file = join(work, 'big.bin');
    await writeFile(file, bytes);
    const [{ identityId: aliceId }, { identityId: bobId }] = await Promise.all([apiAs(0), apiAs(1)]);

    await openLevel(page, 'protected');
    await page.getByLabel(/^Save as/).fill('sharing/big.bin');
    await page.getByLabel('Drop files here, or choose files').setInputFiles(file);
    await page.getByRole('button', { name: 'sharing/', exact: true }).click({ timeout: 30_000 });
    await row(page, 'big.bin').getByRole('button', { name: 'Share… big.bin' }).click();

    const dialog = page.getByRole('dialog', { name: 'Share protected/sharing/big.bin' });
    // An unknown user: the API's problem, in the dialog.
    await dialog.getByLabel(/^Username/).fill('nobody-here@example.com');
    await dialog.getByRole('button', { name: 'Share' }).click();
    await dialog.getByRole('alert', { name: 'Share error' }).locator('.problem-title').waitFor();
    await dialog.getByLabel(/^Username/).fill(demoUser(1).username);
    await dialog.getByRole('button', { name: 'Share' }).click();
    const result = dialog.getByRole('status', { name: 'Result' });
    await result.getByText(`with ${demoUser(1).username}`).waitFor();
    await expect(result.textContent()).resolves.toContain(bobId);
    await screenshot(page, '13-share-dialog');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });

    // Bob, in his own browser, finds it under "Shared with me" and downloads it.
    const bobPage = bob.page;
    await refreshSharedWithMe(bobPage, 'sharing/big.bin', true);
    const panel = bobPage.getByRole('region', { name: 'Shared with me' });
    const shared = row(bobPage, 'sharing/big.bin', panel);
    // Alice by the name she signs in with (her verified email), her identity ID on hover.
    await expect(shared.getByTitle(aliceId).textContent()).resolves.toBe(demoUser(0).username);
    await screenshot(bobPage, '14-shared-with-me');
    const downloading = bobPage.waitForEvent('download');
    await shared.getByRole('button', { name: 'Download sharing/big.bin' }).click();
    const saved = await readFile(await (await downloading).path());
    expect(sha256(saved)).toBe(sha256(bytes));

    // Alice's shared level lists it for Bob (the grantee field was filled by the share).
    await page.getByLabel(/^Level/).selectOption('shared');
    await page.getByLabel(/^Owner identity ID/).fill('');
    await expect(page.getByLabel(/^Grantee identity ID/).inputValue()).resolves.toBe(bobId);
    await page.getByRole('button', { name: 'Open folder' }).click();
    await page.getByRole('button', { name: 'sharing/', exact: true }).click();
    await row(page, 'big.bin').waitFor();

    // "Shared by me" lists every share at once, with whom; Alice revokes it there.
    const mine = page.getByRole('region', { name: 'Shared by me' });
    const outgoing = row(page, 'sharing/big.bin', mine);
    await outgoing.waitFor();
    await expect(outgoing.getByTitle(bobId).textContent()).resolves.toBe(demoUser(1).username);
    await screenshot(page, '17-shared-by-me');
    await outgoing.getByRole('button', { name: 'Revoke sharing/big.bin' }).click();
    await mine.getByRole('status').filter({ hasText: 'Revoked big.bin' }).waitFor();
    await outgoing.waitFor({ state: 'detached' });

    await refreshSharedWithMe(bobPage, 'sharing/big.bin', false);
    const refused = await (await apiAs(1)).api.POST('/files/downloads', {
      body: { level: 'shared', owner: aliceId, key: 'sharing/big.bin' },
    });
    expect(refused.response.ok).toBe(true); // a URL is signed without a storage call ...
    const fetched = refused.data ? await fetch(refused.data.url) : undefined;
    expect(fetched?.ok).toBe(false); // ... but the object is gone
  });

  it('copies and moves a file between levels, and copies from another owner into your own', async () => {
    const page = alice.page;
    const { api } = await apiAs(0);
    const bob = await apiAs(1);
    await put(api, 'protected', 'moves/a.txt', 'file a');
    await put(bob.api, 'public', 'for-alice/b.txt', 'from bob');

    await openLevel(page, 'protected');
    await page.getByRole('button', { name: 'moves/', exact: true }).click();
    await row(page, 'a.txt').getByRole('button', { name: 'Copy… a.txt' }).click();
    const dialog = page.getByRole('dialog', { name: 'Copy protected/moves/a.txt' });
    await dialog.getByLabel('Target level').selectOption('public');
    await dialog.getByLabel(/^Target key/).fill('moves/a-copy.txt');
    await screenshot(page, '15-copy-dialog');
    await dialog.getByRole('button', { name: 'Copy', exact: true }).click();
    await dialog
      .getByRole('status', { name: 'Result' })
      .getByText('Copied to public/moves/a-copy.txt')
      .waitFor();
    // A second copy onto the same key without "Replace": the API's conflict, shown.
    await dialog.getByRole('button', { name: 'Copy', exact: true }).click();
    await dialog.getByRole('alert', { name: 'Copy error' }).locator('.problem-title').waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await row(page, 'a.txt').waitFor(); // a copy leaves the source

    // Move and rename in one step.
    await row(page, 'a.txt').getByRole('button', { name: 'Copy… a.txt' }).click();
    await dialog.getByLabel('Target level').selectOption('public');
    await dialog.getByLabel(/^Target key/).fill('moves/renamed.txt');
    await dialog.getByLabel(/^Move/).check();
    await dialog.getByRole('button', { name: 'Move', exact: true }).click();
    await dialog
      .getByRole('status', { name: 'Result' })
      .getByText('Moved to public/moves/renamed.txt')
      .waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await row(page, 'a.txt').waitFor({ state: 'detached' });
    await page.getByText('This folder is empty.').waitFor();

    // From Bob's public folder into Alice's own: a copy only, no move offered.
    await page.getByLabel(/^Level/).selectOption('public');
    await page.getByLabel(/^Owner identity ID/).fill(bob.identityId);
    await page.getByRole('button', { name: 'Open folder' }).click();
    await page.getByRole('button', { name: 'for-alice/', exact: true }).click();
    await row(page, 'b.txt').getByRole('button', { name: 'Copy… b.txt' }).click();
    const fromBob = page.getByRole('dialog', { name: 'Copy public/for-alice/b.txt' });
    await expect(fromBob.getByLabel(/^Move/).count()).resolves.toBe(0);
    await fromBob.getByLabel('Target level').selectOption('public');
    await fromBob.getByLabel(/^Target key/).fill('moves/from-bob.txt');
    await fromBob.getByRole('button', { name: 'Copy', exact: true }).click();
    await fromBob
      .getByRole('status', { name: 'Result' })
      .getByText('Copied to public/moves/from-bob.txt')
      .waitFor();
    await fromBob.getByRole('button', { name: 'Close' }).click();

    await openLevel(page, 'public');
    await page.getByRole('button', { name: 'moves/', exact: true }).click();
    for (const name of ['a-copy.txt', 'renamed.txt', 'from-bob.txt']) await row(page, name).waitFor();
    await screenshot(page, '16-after-copies');
    const listing = await api.GET('/files', { params: { query: { level: 'public', prefix: 'moves/' } } });
    expect(listing.data?.items.map((item) => item.key).sort()).toEqual([
      'moves/a-copy.txt',
      'moves/from-bob.txt',
      'moves/renamed.txt',
    ]);
    const source = await api.GET('/files', { params: { query: { level: 'protected', prefix: 'moves/' } } });
    expect(source.data?.items).toEqual([]);
  });
});
