import type { ComponentChildren } from 'preact';

/**
 * Previous / next over an opaque-cursor listing: `cursors` holds the cursor of every page after the
 * first, the last being the page shown, so going back needs no cursor the API did not give.
 */
export function Pager({
  cursors,
  setCursors,
  nextCursor,
  labels,
  children,
}: {
  cursors: readonly string[];
  setCursors: (cursors: readonly string[]) => void;
  nextCursor: string | undefined;
  labels: { readonly previous: string; readonly next: string };
  /** Extra controls, such as a page size. */
  children?: ComponentChildren;
}) {
  return (
    <div class="paging">
      <button type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
        {labels.previous}
      </button>
      <span>Page {cursors.length + 1}</span>
      <button
        type="button"
        disabled={nextCursor === undefined}
        onClick={() => nextCursor !== undefined && setCursors([...cursors, nextCursor])}
      >
        {labels.next}
      </button>
      {children}
    </div>
  );
}
