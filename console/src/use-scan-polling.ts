import { useEffect, useRef } from 'preact/hooks';
import type { FileList } from './api';
import { observePage, SCAN_POLL_MS, type Seen } from './scan-polling';

/**
 * While a listed file's scan is unsettled, asks for the page again (`relist`) every
 * `SCAN_POLL_MS`, for at most `SCAN_POLL_LIMIT_MS`. An unsettled file gone from the next page of
 * the same scope was removed as malware: `onRemoved` (the owner's rejections), then once more a
 * moment later, since the rejection is recorded just after the delete.
 */
export function useScanPolling(
  page: FileList | undefined,
  scope: string,
  relist: () => void,
  onRemoved: () => void,
): void {
  const seen = useRef<Seen | undefined>(undefined);
  // The latest callbacks, so only a new page or scope restarts the timers.
  const callbacks = useRef({ relist, onRemoved });
  callbacks.current = { relist, onRemoved };

  useEffect(() => {
    // A page kept from before a navigation is stale: wait for the new scope's own page.
    if (page === undefined || seen.current?.page === page) return;
    const { seen: next, removed, poll } = observePage(seen.current, page, scope, Date.now());
    seen.current = next;
    const timers: ReturnType<typeof setTimeout>[] = [];
    const later = (call: () => void) => timers.push(setTimeout(call, SCAN_POLL_MS));
    if (removed) {
      callbacks.current.onRemoved();
      later(() => callbacks.current.onRemoved());
    }
    if (poll) later(() => callbacks.current.relist());
    return () => {
      for (const timer of timers) clearTimeout(timer);
    };
  }, [page, scope]);
}
