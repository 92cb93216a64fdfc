/**
 * The console's scan polling decisions (`observePage`), as a pure function: list again while a
 * file is pending or infected, for at most a minute from the first such page; a file unsettled on
 * the last page and gone from this one (same folder and page) was removed; another folder, page or
 * reload compares nothing.
 */
import { describe, expect, it } from 'vitest';
import type { ScanStatus } from '../../../console/src/api';
import {
  observePage,
  SCAN_POLL_LIMIT_MS,
  type ScannedPage,
  type Seen,
} from '../../../console/src/scan-polling';

const page = (...files: [key: string, scan?: ScanStatus][]): ScannedPage => ({
  items: files.map(([key, scan]) => ({ key, ...(scan === undefined ? {} : { scan }) })),
});

/** The pages of one scope in turn, a second apart from `start`; each step's outcome. */
function walk(pages: readonly ScannedPage[], scope = 'private/', start = 0) {
  let seen: Seen | undefined;
  return pages.map((next, index) => {
    const outcome = observePage(seen, next, scope, start + index * 1000);
    seen = outcome.seen;
    return { removed: outcome.removed, poll: outcome.poll };
  });
}

describe('scan polling', () => {
  it('lists again while a file is pending or infected, and stops once all are settled', () => {
    expect(walk([page(['a.txt', 'pending']), page(['a.txt', 'infected']), page(['a.txt', 'clean'])])).toEqual(
      [
        { removed: false, poll: true },
        { removed: false, poll: true },
        { removed: false, poll: false },
      ],
    );
    // Unscanned, unsupported and failed files never change by themselves.
    expect(walk([page(['a.txt'], ['b.txt', 'unsupported'], ['c.txt', 'failed'])])).toEqual([
      { removed: false, poll: false },
    ]);
  });

  it('tells when an unsettled file is gone from the next page, and only then', () => {
    expect(walk([page(['a.txt', 'pending'], ['b.txt', 'clean']), page(['b.txt', 'clean'])])).toEqual([
      { removed: false, poll: true },
      { removed: true, poll: false },
    ]);
    // A settled file gone (deleted elsewhere) is no removal by the scan.
    expect(walk([page(['b.txt', 'clean']), page()])).toEqual([
      { removed: false, poll: false },
      { removed: false, poll: false },
    ]);
  });

  it('compares keys only within one scope', () => {
    const first = observePage(undefined, page(['a.txt', 'pending']), 'private/', 0);
    const other = observePage(first.seen, page(['z.txt', 'clean']), 'public/', 1000);
    expect(other).toMatchObject({ removed: false, poll: false });
  });

  it('stops a minute after the first unsettled page, and starts afresh in a new scope', () => {
    const first = observePage(undefined, page(['a.txt', 'pending']), 'private/', 0);
    const late = observePage(first.seen, page(['a.txt', 'pending']), 'private/', SCAN_POLL_LIMIT_MS - 1);
    expect(late.poll).toBe(true);
    const over = observePage(late.seen, page(['a.txt', 'pending']), 'private/', SCAN_POLL_LIMIT_MS);
    expect(over.poll).toBe(false);
    // The user's reload (another scope) polls again for a minute.
    const reloaded = observePage(over.seen, page(['a.txt', 'pending']), 'private/#1', SCAN_POLL_LIMIT_MS);
    expect(reloaded.poll).toBe(true);
    // A settled page ends the run: the next pending file gets its own minute.
    const settled = observePage(over.seen, page(['a.txt', 'clean']), 'private/', 2 * SCAN_POLL_LIMIT_MS);
    const again = observePage(settled.seen, page(['b.txt', 'pending']), 'private/', 3 * SCAN_POLL_LIMIT_MS);
    expect(again.poll).toBe(true);
  });
});
