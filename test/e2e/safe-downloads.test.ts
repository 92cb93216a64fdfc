/**
 * A download URL never renders a user's page in the storage origin: an uploaded `text/html` object
 * comes back with `Content-Disposition: attachment` from storage itself, whether or not `inline` was
 * asked for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteAllUnder, type Session, signIn } from './support/session';
import { runPrefix, send } from './support/storage';
import { e2eTarget } from './support/target';

const target = e2eTarget();
const prefix = runPrefix('safe-downloads');
const key = `${prefix}page.html`;
const page = new TextEncoder().encode('<!doctype html><script>alert(document.domain)</script>');
let alice: Session;
let bob: Session;

beforeAll(async () => {
  const [first, second] = await Promise.all(target.users.map((user) => signIn(target, user)));
  if (!first || !second) throw new Error('two users expected');
  alice = first;
  bob = second;
  const upload = await alice.api.POST('/files/uploads', {
    body: { level: 'public', key, contentType: 'text/html; charset=utf-8', size: page.length },
  });
  if (!upload.data) throw new Error(`upload URL expected, got ${upload.response.status}`);
  expect((await send(upload.data, { body: page })).status).toBe(200);
});

afterAll(async () => {
  if (alice) await deleteAllUnder(alice.api, prefix);
});

describe('downloading an uploaded text/html object', () => {
  it.each([
    ['by its owner', () => alice, {}],
    ['by its owner, asking for inline', () => alice, { inline: true }],
    ['by another user, asking for inline with a name', () => bob, { inline: true, filename: 'page.html' }],
  ])('%s: storage answers Content-Disposition: attachment', async (_name, who, extra) => {
    const result = await who().api.POST('/files/downloads', {
      body: { level: 'public', key, owner: alice.identityId, ...extra },
    });
    if (!result.data) throw new Error(`download URL expected, got ${result.response.status}`);
    const response = await send(result.data);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(new TextDecoder().decode(page));
    expect(response.headers.get('content-disposition') ?? '').toMatch(/^attachment(;|$)/);
  });
});
