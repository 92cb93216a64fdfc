/**
 * `npm run bench [-- --json] [-- --quick]`: the performance figures of issue 4 against their goals
 * and physical limits. Prints a table; with `--json`, also one JSON object on the last line.
 * `--quick` is a smoke run (fewer rounds and processes, a 3 s load run): its figures are noisier.
 *
 * Sections, in this order (the in-process ones first, before the local stack sets the endpoint
 * variables in this process):
 *   1. warm handler path vs. a bare presign (bench/in-process.ts)
 *   2. Cognito and STS calls per access mode, over a simulated hour and a user's day (bench/cognito-calls.ts)
 *   2b. the fleet over a simulated day, the session store off and on (bench/fleet.ts, in its own process)
 *   3. bundle size and cold start in fresh processes (bench/cold-start.ts)
 *   4. load on the local stack from a second process (bench/local-load.ts)
 *   5. large uploads: the client helper vs. the SDK's Upload, and resume waste (bench/multipart.ts,
 *      in its own process with its own local stack)
 *   6. DELETE /me/data over many objects on the local stack (bench/delete-all.ts)
 *   7. the usage ledger under duplicated and reordered events, and the events function's throughput,
 *      in process (bench/ledger-events.ts)
 *   8. malware scanning: upload → downloadable on a local stack with scanning on, without and with
 *      the scanner's default delay, and an EICAR file never served (bench/scanning.ts, each run in its
 *      own process); the events function over scan results and the scanned download handler, in
 *      process (bench/scan-in-process.ts; the handler measured right after section 1, before any
 *      local stack sets the endpoint variables in this process)
 *
 * The measuring is bench/measure-all.ts, the figures and goals bench/figures.ts, the table
 * bench/report.ts.
 */
import { parseArgs } from 'node:util';
import { figuresOf, GOALS, goalsMetBy } from './figures';
import { measureAll } from './measure-all';
import { reportRows } from './report';
import { table } from './stats';

const { values: flags } = parseArgs({
  options: { json: { type: 'boolean', default: false }, quick: { type: 'boolean', default: false } },
  strict: true,
});
const quick = flags.quick ?? false;

const progress = (message: string) => process.stderr.write(`bench: ${message}\n`);

async function main(): Promise<number> {
  const started = performance.now();
  const measured = await measureAll(quick, progress);
  const figures = figuresOf(measured);
  const goalsMet = goalsMetBy(figures);
  const rows = reportRows(figures, goalsMet, measured);
  console.log('');
  console.log(table(['figure', 'value', 'goal', 'notes'], rows, ['left', 'right']));
  console.log('');
  console.log(
    `Node ${process.version}, ${quick ? 'quick run (smoke: noisier figures)' : 'full run'}, ${((performance.now() - started) / 1000).toFixed(0)} s.`,
  );

  const failed =
    figures.local_errors > 0 ||
    figures.warm_path_cognito_calls > 0 ||
    !goalsMet.ledger_drift ||
    figures.events_failures > 0 ||
    !goalsMet.eicar_served ||
    figures.scan_results_failures > 0;
  if (flags.json) {
    console.log(
      JSON.stringify({ ...figures, goals: GOALS, goals_met: goalsMet, quick, node: process.version }),
    );
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('bench failed:', error);
    process.exit(1);
  },
);
