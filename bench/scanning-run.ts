/**
 * Runs bench/scanning.ts in its own process, once per scanner delay: a process can load the API
 * handler with only one configuration, and each run needs its own local stack.
 */
import { DEFAULT_SCAN_DELAY_MS } from '../local/scanner/scanner';
import { runChild } from './child';

/** One run's figures: what bench/scanning.ts prints. */
export interface ScanningFigures {
  readonly scan_delay_ms: number;
  readonly uploads: number;
  readonly scan_to_clean_ms: number;
  readonly scan_to_clean_p90_ms: number;
  /** 409 `scan_pending` answers before the first OK, median over uploads. */
  readonly scan_pending_polls: number;
  /** One poll's round trip (`POST /files/downloads`, either answer), median: the figures' resolution. */
  readonly scan_poll_ms: number;
  /** OK answers to `POST /files/downloads` for the EICAR key over its whole life: 0 expected. */
  readonly eicar_served: number;
  /** From the EICAR PUT's 200 to its key gone (404). */
  readonly eicar_removed_ms: number;
}

export interface ScanningJob {
  readonly delayMs: number;
  readonly uploads: number;
  /** Between the starts of two polls. */
  readonly pollMs: number;
}

export function runScanning(job: ScanningJob): Promise<ScanningFigures> {
  return runChild<ScanningFigures>({
    script: 'bench/scanning.ts',
    env: { BENCH_SCANNING: JSON.stringify(job) },
    timeoutMs: 300_000,
  });
}

/** Both runs: no scanner delay (the pipeline's own cost), then `npm start`'s default delay. */
export async function measureScanning(options: { uploads: number; pollMs?: number }) {
  const pollMs = options.pollMs ?? 10;
  const immediate = await runScanning({ delayMs: 0, uploads: options.uploads, pollMs });
  const defaultDelay = await runScanning({
    delayMs: DEFAULT_SCAN_DELAY_MS,
    uploads: options.uploads,
    pollMs,
  });
  return { immediate, defaultDelay };
}
