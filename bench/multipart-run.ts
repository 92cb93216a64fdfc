/** Runs bench/multipart.ts in its own process: a process can serve only one local stack. */
import { runChild } from './child';

export interface MultipartFigures {
  readonly multipart_mib_s: number;
  readonly sdk_upload_mib_s: number;
  readonly multipart_vs_sdk_ratio: number;
  readonly resume_waste_ratio: number;
  readonly resume_killed_sent_mib: number;
  readonly resume_resumed_parts: number;
  readonly multipart_mib: number;
  readonly multipart_rounds: number;
}

export function runMultipart(options: { mib: number; rounds: number }): Promise<MultipartFigures> {
  return runChild<MultipartFigures>({
    script: 'bench/multipart.ts',
    env: { BENCH_MULTIPART: JSON.stringify(options) },
    timeoutMs: 600_000,
  });
}
