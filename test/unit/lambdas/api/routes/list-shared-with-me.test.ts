/**
 * `GET /files/shared-with-me` over a ledger answering from memory: it reads only the caller's own
 * partition, passes on only entries whose owner is an identity and whose key keeps the key rules
 * (shares written around the API may not), and its cursor continues exactly where the page ended.
 */
import { describe, expect, test, vi } from 'vitest';
import { createListSharedWithMeRoute } from '../../../../../lambdas/api/routes/list-shared-with-me';
import type { IncomingShare, Ledger } from '../../../../../lambdas/aws/ledger';
import {
  alice,
  bob,
  type EventInput,
  event,
  expectContract,
  parse,
  useHarness,
} from '../../../support/fixtures';

const harness = useHarness();

/** Only what the route uses; everything else fails loudly. */
function ledgerWith(shares: IncomingShare[]) {
  const sharedWith = vi.fn(async (_grantee: string, page: { limit: number; after?: string }) => {
    const sorted = shares.map((share) => ({ share, sk: `incoming#${share.owner}/${share.path}` }));
    const rest = sorted.filter(({ sk }) => page.after === undefined || sk > page.after);
    const items = rest.slice(0, page.limit);
    const last = items.at(-1);
    return {
      items: items.map(({ share }) => share),
      ...(rest.length > page.limit && last ? { next: last.sk } : {}),
    };
  });
  const unused = () => {
    throw new Error('not used by this route');
  };
  const ledger: Ledger = {
    applyEvent: unused,
    entry: unused,
    usage: unused,
    reservations: unused,
    reserve: unused,
    recordRejection: unused,
    rejections: unused,
    purge: unused,
    recordPerson: unused,
    names: unused,
    sharedWith,
  };
  return { ledger, sharedWith };
}

const share = (path: string, owner = bob.identityId): IncomingShare => ({
  owner,
  path,
  size: 3,
  sharedAt: '2026-12-01T00:00:00.000Z',
});

const call = (ledger: Ledger, input: Partial<EventInput> = {}) =>
  createListSharedWithMeRoute(
    harness().app.deps,
    ledger,
  )(event({ method: 'GET', path: '/files/shared-with-me', ...input }));

describe('GET /files/shared-with-me', () => {
  test("reads the caller's own partition and leaves out entries that break the rules", async () => {
    const { ledger, sharedWith } = ledgerWith([
      share('a.txt'),
      share('../escape.txt'),
      share('b\u202Etxt.exe'),
      share('c.txt', 'not-an-identity'),
      share(`x/${alice.identityId}/y.txt`),
      share('mine.txt', alice.identityId),
    ]);
    const request: EventInput = { method: 'GET', path: '/files/shared-with-me' };
    const response = await call(ledger);
    expect(response.statusCode, response.body).toBe(200);
    expectContract(request, response);
    expect(parse(response)).toEqual({
      items: [{ owner: bob.identityId, key: 'a.txt', size: 3, sharedAt: '2026-12-01T00:00:00.000Z' }],
    });
    expect(sharedWith).toHaveBeenCalledWith(alice.identityId, { limit: 100, after: undefined });
  });

  test('pages with a cursor that continues after the last item', async () => {
    const { ledger } = ledgerWith(['1', '2', '3'].map((n) => share(`${n}.txt`)));
    const first = parse(await call(ledger, { query: { limit: '2' } }));
    expect((first.items as { key: string }[]).map((item) => item.key)).toEqual(['1.txt', '2.txt']);
    const second = parse(await call(ledger, { query: { limit: '2', cursor: String(first.nextCursor) } }));
    expect((second.items as { key: string }[]).map((item) => item.key)).toEqual(['3.txt']);
    expect(second.nextCursor).toBeUndefined();
  });

  test.each([
    ['limit', { limit: '0' }],
    ['limit', { limit: 'ten' }],
    ['cursor', { cursor: 'x' }],
    ['level', { level: 'private' }],
  ])('refuses a bad %s by name, reading nothing', async (field, query) => {
    const { ledger, sharedWith } = ledgerWith([share('a.txt')]);
    await expect(call(ledger, { query })).rejects.toMatchObject({ name: 'ValidationError', field });
    expect(sharedWith).not.toHaveBeenCalled();
  });
});
