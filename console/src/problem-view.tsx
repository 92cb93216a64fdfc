import type { ShownProblem } from './api';

/**
 * An error as the API described it: the problem's `title`, then its `detail`. The alert region is
 * always in the page, so screen readers announce a problem when it appears.
 */
export function ProblemView({ problem, label }: { problem: ShownProblem | undefined; label: string }) {
  return (
    <div role="alert" aria-label={label} class={problem ? 'problem' : 'problem empty'}>
      {problem && (
        <>
          <strong class="problem-title">{problem.title}</strong>
          {problem.detail && <p class="problem-detail">{problem.detail}</p>}
        </>
      )}
    </div>
  );
}
