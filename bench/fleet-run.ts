/**
 * Runs bench/fleet.ts in its own process with a 64 MiB young generation: the simulation makes
 * millions of short-lived promises and SDK commands, and the default spends more time collecting
 * them than running the identity code (about half the CPU time on this machine).
 */
import { runChild } from './child';
import type { FleetComparison } from './fleet';

export type { FleetComparison, FleetFigures } from './fleet';

export function runFleet(options: { users: number }): Promise<FleetComparison> {
  const nodeOptions = [process.env.NODE_OPTIONS, '--max-semi-space-size=64'].filter(Boolean).join(' ');
  return runChild<FleetComparison>({
    script: 'bench/fleet.ts',
    env: { BENCH_FLEET: JSON.stringify(options), NODE_OPTIONS: nodeOptions },
    timeoutMs: 600_000,
  });
}
