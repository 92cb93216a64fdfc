/**
 * When the console lists a folder again for its malware scans, as a pure function (no Preact, so
 * unit tests import it): the hook in `use-scan-polling.ts` runs its timers.
 */
import type { ScanStatus } from './api';

/** What is read of a listed page: its files' keys and scan statuses. */
export interface ScannedPage {
  readonly items: readonly { readonly key: string; readonly scan?: ScanStatus }[];
}

/** How often a page with unsettled scans is listed again, and for how long at most. */
export const SCAN_POLL_MS = 1500;
export const SCAN_POLL_LIMIT_MS = 60_000;

/** Pending, or infected and about to be removed by the events function: the row will change. */
const UNSETTLED: ReadonlySet<ScanStatus | undefined> = new Set(['pending', 'infected']);

export interface Seen {
  readonly page: ScannedPage;
  /** What the page is a page of (folder, cursor, size, user's reloads): keys compare only within one. */
  readonly scope: string;
  readonly unsettled: ReadonlySet<string>;
  /** When this run of unsettled pages began (none settled since, same scope). */
  readonly since: number | undefined;
}

/**
 * A new page of `scope`, after `previous`: whether a file unsettled on the last page of the same
 * scope is gone (`removed`), and whether to list again (`poll`: unsettled files, within the limit).
 */
export function observePage(
  previous: Seen | undefined,
  page: ScannedPage,
  scope: string,
  now: number,
): { seen: Seen; removed: boolean; poll: boolean } {
  const before = previous?.scope === scope ? previous : undefined;
  const listed = new Set(page.items.map((item) => item.key));
  const unsettled = new Set(page.items.filter((item) => UNSETTLED.has(item.scan)).map((item) => item.key));
  const since = unsettled.size === 0 ? undefined : (before?.since ?? now);
  return {
    seen: { page, scope, unsettled, since },
    removed: [...(before?.unsettled ?? [])].some((key) => !listed.has(key)),
    poll: since !== undefined && now - since < SCAN_POLL_LIMIT_MS,
  };
}
