import { useState } from 'preact/hooks';
import { type ShownProblem, toShownProblem } from './api';

/**
 * A panel's row actions: `act(work)` clears the panel's problem, then shows the message `work`
 * resolves to on the status line, or its failure as the panel's problem (shared with its listing).
 * Resolves whether it succeeded, so the caller can reload after the status is set.
 */
export function useStatusLine(setProblem: (problem: ShownProblem | undefined) => void) {
  const [status, setStatus] = useState('');
  const act = async (work: () => Promise<string>): Promise<boolean> => {
    setProblem(undefined);
    try {
      setStatus(await work());
      return true;
    } catch (error) {
      setProblem(toShownProblem(error));
      return false;
    }
  };
  return { status, setStatus, act };
}

/** The last row action's outcome, announced politely. */
export function StatusLine({ status }: { status: string }) {
  return (
    <p role="status" class="status">
      {status}
    </p>
  );
}
