import { useEffect, useState } from 'preact/hooks';
import type { FilesClient } from '../../shared/api/client';
import { type Me, type ShownProblem, toShownProblem, unwrap } from './api';

/**
 * `GET /me`, loaded again whenever `reloads` changes; an answer for an earlier client or reload
 * that lands late is dropped. A failure keeps the last identity shown.
 */
export function useMe(api: FilesClient, reloads: number) {
  const [me, setMe] = useState<Me>();
  const [problem, setProblem] = useState<ShownProblem>();
  useEffect(() => {
    let current = true;
    api.GET('/me').then(
      (result) => {
        if (!current) return;
        try {
          setMe(unwrap(result));
          setProblem(undefined);
        } catch (error) {
          setProblem(toShownProblem(error));
        }
      },
      (error: unknown) => current && setProblem(toShownProblem(error)),
    );
    return () => {
      current = false;
    };
  }, [api, reloads]);
  return { me, problem };
}
