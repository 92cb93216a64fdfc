/**
 * Timing and summary helpers for the benchmarks. Micro-benchmarks run in interleaved rounds (every
 * case once per round, in a rotating order), so machine noise and thermal drift hit every case alike
 * and figures measured "in the same run" are comparable; each round yields one per-operation time,
 * and the summary is over rounds.
 */

export interface Summary {
  readonly median: number;
  readonly p90: number;
  readonly min: number;
  readonly max: number;
  readonly samples: number;
}

/** The `p` quantile (0..1) of ascending `sorted`, nearest rank. */
export function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
    samples: sorted.length,
  };
}

export interface RoundsOptions {
  /** Calls of each case before measuring (JIT, caches, lazy SDK config). */
  readonly warmup: number;
  /** Measured rounds; each yields one per-call figure per case. */
  readonly rounds: number;
  /** Sequential calls per case per round (amortizes timer resolution and GC). */
  readonly batch: number;
}

/**
 * Per-call time in microseconds of each case: `rounds` interleaved rounds of `batch` awaited calls.
 * Returns every round's figure per case, in round order (so callers can pair rounds).
 */
export async function measureRounds(
  cases: Readonly<Record<string, () => Promise<unknown>>>,
  options: RoundsOptions,
): Promise<Record<string, number[]>> {
  const names = Object.keys(cases);
  const perRound: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  for (const name of names) {
    const run = cases[name];
    if (run === undefined) continue;
    for (let i = 0; i < options.warmup; i++) await run();
  }
  for (let round = 0; round < options.rounds; round++) {
    for (let offset = 0; offset < names.length; offset++) {
      const name = names[(round + offset) % names.length];
      const run = name === undefined ? undefined : cases[name];
      if (name === undefined || run === undefined) continue;
      const started = process.hrtime.bigint();
      for (let i = 0; i < options.batch; i++) await run();
      const elapsedNs = Number(process.hrtime.bigint() - started);
      perRound[name]?.push(elapsedNs / options.batch / 1000);
    }
  }
  return perRound;
}

/** Rounded for display and JSON: 3 significant figures at most, never more than 3 decimals. */
export function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  const digits = Math.max(0, Math.min(3, 2 - Math.floor(Math.log10(Math.abs(value) || 1))));
  return Number(value.toFixed(digits));
}

/** A plain text table; `align` gives each column's alignment (default: left). */
export function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly ('left' | 'right')[] = [],
): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        align[column] === 'right' ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

export const MiB = 1024 * 1024;

/** mulberry32: a small seeded generator, so every run draws the same sequence. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
