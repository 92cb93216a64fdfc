/**
 * Writes to one key, one at a time, and the storage event each reports. moto checks a conditional
 * write (`If-None-Match: *` on PutObject, CopyObject or CompleteMultipartUpload) and then writes,
 * without a lock: two racing writers can both win, where S3 lets exactly one. So writes to one key
 * reach moto one after the other, as S3 applies them, and each reports its event within its turn.
 */
import type { S3Operation } from './operations';

export interface StorageWrite {
  readonly name: (typeof EVENT_NAMES)[keyof typeof EVENT_NAMES];
  readonly bucket: string;
  readonly key: string;
}

/** The operations that write one key, and the event each reports (DeleteObjects reports its own). */
const EVENT_NAMES = {
  PutObject: 'ObjectCreated:Put',
  CopyObject: 'ObjectCreated:Copy',
  CompleteMultipartUpload: 'ObjectCreated:CompleteMultipartUpload',
  DeleteObject: 'ObjectRemoved:Delete',
} as const;

export class KeyWrites {
  private readonly turns = new Map<string, Promise<unknown>>();

  constructor(private readonly onEvent: (event: StorageWrite) => void) {}

  /**
   * Runs `send` (which resolves with moto's status): a write in its key's turn, reporting its event
   * if it succeeded; anything else at once.
   */
  perform(operation: S3Operation, send: () => Promise<number>): Promise<number> {
    const name = EVENT_NAMES[operation.name as keyof typeof EVENT_NAMES];
    const { bucket, key } = operation;
    if (!name || key === undefined) return send();
    return this.inKeyTurn(bucket, key, async () => {
      const status = await send();
      // Inside the key's turn, so events are sequenced in the order the writes happened.
      if (status < 300) this.onEvent({ name, bucket, key });
      return status;
    });
  }

  /** Runs `work` in the key's turn, as a write would run, reporting nothing. */
  inKeyTurn<T>(bucket: string, key: string, work: () => Promise<T>): Promise<T> {
    const lockKey = `${bucket}/${key}`;
    const run = (this.turns.get(lockKey) ?? Promise.resolve()).then(work, work);
    const settled = run.catch(() => undefined);
    this.turns.set(lockKey, settled);
    void settled.then(() => {
      if (this.turns.get(lockKey) === settled) this.turns.delete(lockKey);
    });
    return run;
  }
}
