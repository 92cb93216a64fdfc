import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { type ShownProblem, toShownProblem } from './api';

/**
 * A modal form on the native `<dialog>`: it traps focus, closes on Escape and gives focus back to
 * the control that opened it.
 */
export function Dialog({
  title,
  submitLabel,
  busy,
  onSubmit,
  onClose,
  children,
}: {
  title: string;
  submitLabel: string;
  busy: boolean;
  onSubmit: () => void;
  onClose: () => void;
  children: ComponentChildren;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const headingId = useId();
  useEffect(() => {
    const dialog = ref.current;
    dialog?.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      aria-labelledby={headingId}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <form
        class="dialog-form"
        onSubmit={(event) => {
          event.preventDefault();
          onSubmit();
        }}
      >
        <h3 id={headingId} class="dialog-title">
          {title}
        </h3>
        {children}
        <div class="dialog-buttons">
          <button type="submit" disabled={busy}>
            {busy ? 'Working…' : submitLabel}
          </button>
          <button type="button" class="secondary" onClick={onClose}>
            Close
          </button>
        </div>
      </form>
    </dialog>
  );
}

/** A dialog's outcome, announced politely; problems go to the ProblemView beside it. */
export function ResultView({ message }: { message: string | undefined }) {
  return (
    <p role="status" aria-label="Result" class={message ? 'result' : 'result empty'}>
      {message}
    </p>
  );
}

/**
 * A dialog's one action: `run(work)` marks it busy, clears the last outcome, then shows the message
 * `work` resolves to, or the problem it fails with.
 */
export function useFormAction() {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ShownProblem>();
  const [result, setResult] = useState<string>();
  const run = async (work: () => Promise<string>) => {
    setBusy(true);
    setProblem(undefined);
    setResult(undefined);
    try {
      setResult(await work());
    } catch (error) {
      setProblem(toShownProblem(error));
    } finally {
      setBusy(false);
    }
  };
  return { busy, problem, result, run };
}
