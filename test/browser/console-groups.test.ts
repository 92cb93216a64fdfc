/**
 * Team folders (#19) in the console: the two demo users, both in the stack's demo group, work on one
 * file in the Groups panel, each in their own browser: A uploads it (one PUT), B sees it and
 * replaces it (multipart, 9 MiB), A downloads B's bytes exactly and deletes it. A user of this
 * file's own, in no group, sees no group, and the API refuses that user the group's folder when
 * the page asks it directly. A colleague's folder opens by username (`GET /users/{username}`). The
 * panel's other states (groups beyond the session, direct mode, an API without the member list) from
 * answers rewritten in the browser.
 * Everything lands under one folder of this run in the demo group (other files run beside it).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn } from '../../console/src/auth';
import { type Browser, launchBrowser, screenshot } from './support/browser';
import { apiAs, freshUser, MiB, put, row, sha256, signInAs, signInWithForm } from './support/console-helpers';
import { consoleTarget, demoUser } from './support/target';

const target = consoleTarget();
const group = target.demoGroup;
const run = `console-groups-${randomBytes(3).toString('hex')}`;

function groupsPanel(page: Page): Locator {
  return page.getByRole('region', { name: 'Groups', exact: true });
}

/** Opens `group` from the Groups panel; its folder's region, once its first page is listed. */
async function openGroup(page: Page, name: string): Promise<Locator> {
  await row(page, name, groupsPanel(page))
    .getByRole('button', { name: `Open ${name}` })
    .click();
  const folder = page.getByRole('region', { name: `Team folder ${name}` });
  await folder.getByRole('table').and(page.locator('[aria-busy="false"]')).waitFor();
  return folder;
}

/** Picks `file` in the folder's upload panel under `saveAs`, and waits until it is stored. */
async function uploadInto(folder: Locator, file: string, saveAs: string, stored: string): Promise<void> {
  await folder.getByLabel(/^Save as/).fill(saveAs);
  await folder.getByLabel('Drop files here, or choose files').setInputFiles(file);
  await folder.locator(`li.done[data-transfer="${stored}"]`).waitFor({ timeout: 30_000 });
}

describe('team folders in the console', () => {
  let alice: Browser;
  let bob: Browser;
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'user-files-groups-test-'));
    [alice, bob] = await Promise.all([launchBrowser(), launchBrowser()]);
    await Promise.all([signInAs(alice.page, 0), signInAs(bob.page, 1)]);
  });

  afterAll(async () => {
    await Promise.all([alice?.close(), bob?.close()]);
    await rm(work, { recursive: true, force: true });
  });

  it('two members share one file: A uploads, B replaces it, A downloads B’s bytes and deletes it', async () => {
    const first = randomBytes(3000);
    const second = randomBytes(9 * MiB + 123); // past the 8 MiB threshold: multipart
    await writeFile(join(work, 'first.bin'), first);
    await writeFile(join(work, 'second.bin'), second);
    const [{ api, me }, { me: bobMe }] = await Promise.all([apiAs(0), apiAs(1)]);
    expect(me.groups?.map((mine) => mine.name)).toContain(group);

    // A: the group is listed; its members by the names they sign in with (verified emails), both demo users among them.
    const page = alice.page;
    await row(page, group, groupsPanel(page)).waitFor();
    const folder = await openGroup(page, group);
    const listed = folder.getByRole('list', { name: `Members of ${group}` }).getByRole('listitem');
    await expect
      .poll(() => listed.allTextContents())
      .toEqual(expect.arrayContaining([demoUser(0).username, demoUser(1).username]));
    expect([me.name, bobMe.name]).toEqual([demoUser(0).username, demoUser(1).username]);
    const members = await api.GET('/groups/{group}/members', { params: { path: { group } } });
    await expect(listed.allTextContents()).resolves.toEqual(members.data?.members.map((m) => m.name));
    await uploadInto(folder, join(work, 'first.bin'), `${run}/plan.bin`, `${run}/plan.bin`);
    await folder.getByRole('button', { name: `${run}/`, exact: true }).click();
    await row(page, 'plan.bin', folder).getByRole('cell', { name: '2.9 KiB' }).waitFor();
    await screenshot(page, '20-group-folder');

    // B, in his own browser: the same file; he replaces it in place.
    const bobPage = bob.page;
    const bobFolder = await openGroup(bobPage, group);
    await bobFolder.getByRole('button', { name: `${run}/`, exact: true }).click();
    await row(bobPage, 'plan.bin', bobFolder).getByRole('cell', { name: '2.9 KiB' }).waitFor();
    await expect(bobFolder.getByLabel('Never replace an existing file').isChecked()).resolves.toBe(false);
    await uploadInto(bobFolder, join(work, 'second.bin'), 'plan.bin', `${run}/plan.bin`);
    await row(bobPage, 'plan.bin', bobFolder).getByRole('cell', { name: '9.0 MiB' }).waitFor();
    await screenshot(bobPage, '21-group-replaced');

    // A, after a reload of the folder: B's version, byte for byte.
    await folder.getByRole('navigation', { name: 'Folder path' }).getByRole('button', { name: run }).click();
    const replaced = row(page, 'plan.bin', folder);
    await replaced.getByRole('cell', { name: '9.0 MiB' }).waitFor();
    const downloading = page.waitForEvent('download');
    await replaced.getByRole('button', { name: 'Download plan.bin' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe('plan.bin');
    expect(sha256(await readFile(await download.path()))).toBe(sha256(second));

    await replaced.getByRole('button', { name: 'Delete plan.bin' }).click();
    await replaced.getByRole('button', { name: 'Confirm delete plan.bin' }).click();
    await folder.getByRole('status').filter({ hasText: 'Deleted plan.bin' }).waitFor();
    await folder.getByText('This folder is empty.').waitFor();
    const left = await api.GET('/files', {
      params: { query: { level: 'groups', group, prefix: `${run}/` } },
    });
    expect(left.data?.items).toEqual([]);
  });

  it('a user in no group sees none, and the API refuses them the group’s folder', async () => {
    const outsider = await freshUser('console-groups-outsider');
    const page = bob.page;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signInWithForm(page, outsider);
    const panel = groupsPanel(page);
    await panel.getByText('You are in no group.').waitFor();
    await screenshot(page, '22-no-group');

    // The page itself asks for the group's folder with the outsider's token: 403 not_a_member.
    const token = await (await signIn(target.userPool, outsider.username, outsider.password)).idToken();
    const url = `${target.apiUrl}files?level=groups&group=${encodeURIComponent(group)}&delimiter=%2F`;
    const answer = await page.evaluate(
      async ({ url, token }) => {
        const response = await fetch(url, { headers: { Authorization: token } });
        return { status: response.status, body: (await response.json()) as { code?: string } };
      },
      { url, token },
    );
    expect(answer).toMatchObject({ status: 403, body: { code: 'not_a_member' } });
  });

  it("opens a colleague's folder by username; an unknown name shows the API's problem", async () => {
    const page = alice.page;
    const files = page.getByRole('region', { name: 'Files', exact: true });
    const [{ api }, bob] = await Promise.all([apiAs(0), apiAs(1)]);
    await put(bob.api, 'protected', `${run}/hello.txt`, 'hello from bob');

    // Someone the pool does not know: 404 no_such_user, its title and detail shown.
    const unknown = `nobody-${run}@example.com`;
    const refused = await api.GET('/users/{username}', { params: { path: { username: unknown } } });
    expect(refused.error).toMatchObject({ status: 404, code: 'no_such_user' });
    const alert = files.getByRole('alert', { name: 'Colleague error' });
    await files.getByLabel(/^Colleague's username/).fill(unknown);
    await files.getByRole('button', { name: "Open colleague's folder" }).click();
    await expect.poll(() => alert.locator('.problem-title').textContent()).toBe(refused.error?.title);
    await expect(alert.locator('.problem-detail').textContent()).resolves.toBe(refused.error?.detail);

    // Bob, by the name he signs in with: his protected folder, by the identity ID the API answered.
    await files.getByLabel(/^Colleague's username/).fill(demoUser(1).username);
    await files.getByRole('button', { name: "Open colleague's folder" }).click();
    const path = files.getByRole('navigation', { name: 'Folder path' });
    await path.getByRole('button', { name: `protected (${demoUser(1).username}'s folder)` }).waitFor();
    await expect(alert.locator('.problem-title').count()).resolves.toBe(0);
    await files.getByRole('button', { name: `${run}/`, exact: true }).click();
    const hello = row(page, 'hello.txt', files);
    await hello.waitFor();
    // Read-only: another owner's folder offers no upload and no delete.
    await expect(files.getByLabel('Drop files here, or choose files').count()).resolves.toBe(0);
    await expect(hello.getByRole('button', { name: 'Delete hello.txt' }).count()).resolves.toBe(0);
    const listing = await api.GET('/files', {
      params: { query: { level: 'protected', owner: bob.identityId, prefix: `${run}/` } },
    });
    expect(listing.data?.items.map((item) => item.key)).toEqual([`${run}/hello.txt`]);
    await screenshot(page, '23-colleague-folder');
  });

  it('names the groups beyond the session, says direct mode has no team folders, tolerates no member list', async () => {
    // The page's own GET /me answers, rewritten as the contract allows them (this stack is sealed).
    const page = alice.page;
    const panel = groupsPanel(page);
    const refresh = () => page.getByRole('button', { name: 'Refresh usage' }).click();
    const rewriteMe = (change: (me: Record<string, unknown>) => void) =>
      page.route(`${target.apiUrl}me`, async (route) => {
        const response = await route.fetch();
        const me = (await response.json()) as Record<string, unknown>;
        change(me);
        await route.fulfill({ response, json: me });
      });

    await rewriteMe((me) => {
      me.groupsBeyond = ['archive', 'zeta-team'];
    });
    await refresh();
    await panel.getByTestId('groups-beyond').getByText('archive, zeta-team').waitFor();
    await row(page, group, panel).waitFor();

    await page.unrouteAll();
    await rewriteMe((me) => {
      delete me.groups;
      delete me.groupsBeyond;
    });
    await refresh();
    await panel.getByText('Team folders need sealed mode').waitFor();
    await expect(panel.getByRole('table').count()).resolves.toBe(0);
    await screenshot(page, '24-groups-direct-mode');

    // Back in sealed mode, the team folder is shown again, its members asked anew: an API that does
    // not serve that route (404 not_found, "no such route") gets a note, and the folder still works.
    await page.unrouteAll();
    await page.route(`${target.apiUrl}groups/${group}/members`, async (route) => {
      const response = await route.fetch();
      const json = {
        type: 'about:blank',
        title: 'Not found',
        status: 404,
        code: 'not_found',
        detail: 'no such route',
      };
      await route.fulfill({ response, status: 404, contentType: 'application/problem+json', json });
    });
    await refresh();
    await row(page, group, panel).waitFor();
    const folder = page.getByRole('region', { name: `Team folder ${group}` });
    await folder.getByText("This API does not list a group's members.").waitFor();
    await expect(folder.getByRole('alert', { name: 'Members error' }).count()).resolves.toBe(0);
    await folder.getByRole('table').and(page.locator('[aria-busy="false"]')).waitFor();
    await expect(panel.getByTestId('groups-beyond').count()).resolves.toBe(0);
    await page.unrouteAll();
  });
});
