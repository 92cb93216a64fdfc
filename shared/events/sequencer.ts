/**
 * S3's `sequencer`: a hex string that orders the events of one key. Values of different lengths
 * compare after left-padding with zeros to equal length, as S3 documents.
 */
export const SEQUENCER = /^[0-9A-Fa-f]{1,64}$/;

export function isSequencer(value: unknown): value is string {
  return typeof value === 'string' && SEQUENCER.test(value);
}

/** Negative when `a` is older than `b`, 0 when equal, positive when newer. */
export function compareSequencers(a: string, b: string): number {
  const width = Math.max(a.length, b.length);
  const left = a.toUpperCase().padStart(width, '0');
  const right = b.toUpperCase().padStart(width, '0');
  return left < right ? -1 : left > right ? 1 : 0;
}
