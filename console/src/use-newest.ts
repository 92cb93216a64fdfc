import { useEffect, useRef, useState } from 'preact/hooks';
import { type ShownProblem, toShownProblem } from './api';

/**
 * Loads with `load` whenever `deps` change, keeping only the newest answer: an older request that
 * lands late is dropped. A failure clears the value and shows its problem; `setProblem` lets the
 * component report its other actions' problems in the same place.
 */
export function useNewest<T>(load: () => Promise<T>, deps: readonly unknown[]) {
  const [value, setValue] = useState<T>();
  const [loading, setLoading] = useState(false);
  const [problem, setProblem] = useState<ShownProblem>();
  const latest = useRef(0);
  useEffect(() => {
    const request = ++latest.current;
    setLoading(true);
    load()
      .then(
        (result) => {
          if (request !== latest.current) return;
          setValue(result);
          setProblem(undefined);
        },
        (error: unknown) => {
          if (request !== latest.current) return;
          setValue(undefined);
          setProblem(toShownProblem(error));
        },
      )
      .finally(() => request === latest.current && setLoading(false));
  }, deps);
  return { value, loading, problem, setProblem };
}

/**
 * One page at a time of an opaque-cursor listing, newest answer only: `pager` feeds `<Pager>`, and
 * the first page is loaded again whenever `deps` change.
 */
export function useCursorPages<T extends { readonly nextCursor?: string }>(
  load: (cursor: string | undefined) => Promise<T>,
  deps: readonly unknown[],
) {
  const [cursors, setCursors] = useState<readonly string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const result = useNewest(() => load(cursor), [...deps, cursor]);
  return { ...result, pager: { cursors, setCursors, nextCursor: result.value?.nextCursor } };
}
