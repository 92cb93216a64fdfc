import { RowButton } from './row-button';
import { describeTransfer, finishing, type Transfer } from './transfer';

/** One upload: its progress, its state in words, and the controls its state allows. */
export function TransferRow({
  transfer,
  onPause,
  onResume,
  onCancel,
}: {
  transfer: Transfer;
  onPause: () => void;
  onResume: () => void;
  onCancel: () => void;
}) {
  const target = `upload of ${transfer.name}`;
  const stoppable = transfer.state === 'uploading' && !finishing(transfer);
  return (
    <li
      class={transfer.state}
      data-transfer={transfer.name}
      data-stored={transfer.stored}
      data-sent={transfer.sentBytes}
    >
      <span class="transfer-name">{transfer.name}</span>
      <progress
        max={transfer.total || 1}
        value={transfer.state === 'done' ? transfer.total || 1 : transfer.loaded}
        aria-label={`Upload of ${transfer.name}`}
      />
      <span class="transfer-state">{describeTransfer(transfer)}</span>
      <span class="transfer-actions">
        {/* Only a multipart upload keeps what it stored, so only it can pause. */}
        {transfer.multipart && stoppable && <RowButton label="Pause" target={target} onClick={onPause} />}
        {transfer.state === 'paused' && <RowButton label="Resume" target={target} onClick={onResume} />}
        {(transfer.state === 'paused' || stoppable) && (
          <RowButton label="Cancel" target={target} danger onClick={onCancel} />
        )}
      </span>
    </li>
  );
}
