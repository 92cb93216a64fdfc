import { RowButton } from './row-button';

/** Delete (or revoke) in two steps: the first click asks, the second does it; Cancel backs out. */
export function DeleteButton({
  label,
  target,
  confirming,
  onAsk,
  onConfirm,
  onCancel,
}: {
  label: 'Delete' | 'Revoke';
  target: string;
  confirming: boolean;
  onAsk: () => void;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  if (!confirming) return <RowButton label={label} target={target} onClick={onAsk} />;
  return (
    <>
      <RowButton label={`Confirm ${label.toLowerCase()}`} target={target} danger onClick={onConfirm} />
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </>
  );
}
