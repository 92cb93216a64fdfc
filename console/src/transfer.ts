import { formatBytes } from './format';

/** One file's upload as the panel lists it. */
export interface Transfer {
  readonly id: number;
  readonly name: string;
  /** Bytes storage holds, plus those of requests in flight. */
  readonly loaded: number;
  readonly stored: number;
  readonly total: number;
  readonly multipart: boolean;
  readonly state: 'uploading' | 'paused' | 'done' | 'failed' | 'cancelled';
  /** Parts storage already held when the last run started (a resume that continued). */
  readonly resumedParts?: number;
  /** Body bytes the last run sent to storage. */
  readonly sentBytes?: number;
}

/** Every byte stored: the upload is being completed, too late to pause or cancel. */
export function finishing(transfer: Transfer): boolean {
  return transfer.stored >= transfer.total;
}

export function describeTransfer(transfer: Transfer): string {
  const of = `${formatBytes(transfer.loaded)} of ${formatBytes(transfer.total)}`;
  switch (transfer.state) {
    case 'uploading':
      return of;
    case 'paused':
      return `paused: ${formatBytes(transfer.stored)} of ${formatBytes(transfer.total)} stored`;
    case 'done':
      return transfer.resumedParts
        ? `${formatBytes(transfer.total)} ✓ (resumed: ${transfer.resumedParts} part${transfer.resumedParts === 1 ? ' was' : 's were'} already stored, ${formatBytes(transfer.sentBytes ?? 0)} sent)`
        : `${formatBytes(transfer.total)} ✓`;
    case 'cancelled':
      return 'cancelled';
    case 'failed':
      return 'failed';
  }
}
