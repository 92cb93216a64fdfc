/**
 * A row's action: its visible label, then what it acts on for screen readers only, so every row's
 * button has its own accessible name ("Download a.txt").
 */
export function RowButton({
  label,
  target,
  danger,
  onClick,
}: {
  label: string;
  target: string;
  danger?: boolean;
  onClick: () => void;
}) {
  return (
    <button type="button" class={danger ? 'danger' : undefined} onClick={onClick}>
      {label} <span class="visually-hidden">{target}</span>
    </button>
  );
}
