/**
 * The bench's in-process scanning figures measure the real work: every infected result deleted
 * (conditionally) and recorded, every failed one logged, none failing; the scanned download reads
 * the tag and reports `clean`, the unscanned one does not.
 */
import { describe, expect, it } from 'vitest';
import { measureScannedDownload, measureScanResults } from '../../../bench/scan-in-process';

describe('bench: malware scanning in process', () => {
  it('handles a mix of scan results with no failed message', async () => {
    // The measure itself throws when deletes, rejections or 'scan failed' lines miss the mix.
    const figures = await measureScanResults({ messages: 500, rounds: 1 });
    expect(figures.threats).toBeGreaterThan(0);
    expect(figures.failed).toBeGreaterThan(0);
    expect(figures.failures).toBe(0);
    expect(figures.resultsPerSecond.samples).toBe(1);
  });

  it('times the scanned and the unscanned download in the same rounds', async () => {
    const figures = await measureScannedDownload({ warmup: 5, rounds: 2, batch: 2 });
    expect(figures.withScanUs.samples).toBe(2);
    expect(figures.ratio.median).toBeGreaterThan(0);
  });
});
