/**
 * `npm run bench [-- --json] [-- --quick]`: the performance figures of issue 4 against their goals
 * and physical limits. Prints a table; with `--json`, also one JSON object on the last line.
 * `--quick` is a smoke run (fewer rounds and processes, a 3 s load run): its figures are noisier.
 *
 * Sections, in this order (the in-process ones first, before the local stack sets the endpoint
 * variables in this process):
 *   1. warm handler path vs. a bare presign (bench/in-process.ts)
 *   2. Cognito calls over a simulated hour (bench/cognito-calls.ts)
 *   3. bundle size and cold start in fresh processes (bench/cold-start.ts)
 *   4. load on the local stack from a second process (bench/local-load.ts)
 *   5. DELETE /me/data over many objects on the local stack (bench/delete-all.ts)
 */
import { parseArgs } from 'node:util';
import { countCognitoCalls } from './cognito-calls';
import { measureColdStart } from './cold-start';
import { measureDeleteAll } from './delete-all';
import { measureHandler } from './in-process';
import { measureLocalLoad } from './local-load';
import { round, table } from './stats';

const GOALS = { handler_overhead_ratio: 1.5, cognito_calls_per_10k: 200, batch_100_ratio: 1.2 } as const;

const { values: flags } = parseArgs({
  options: { json: { type: 'boolean', default: false }, quick: { type: 'boolean', default: false } },
  strict: true,
});
const quick = flags.quick ?? false;

const progress = (message: string) => process.stderr.write(`bench: ${message}\n`);

async function main(): Promise<number> {
  const started = performance.now();

  progress('warm handler path vs. bare presign...');
  const handler = await measureHandler(
    quick ? { warmup: 300, rounds: 10, batch: 50 } : { warmup: 2_000, rounds: 60, batch: 100 },
  );

  progress('Cognito calls over a simulated hour...');
  const cognito = await countCognitoCalls();

  progress('bundling and cold starts...');
  const cold = await measureColdStart(quick ? 3 : 15);

  progress(`local stack load (${quick ? 3 : 20} s)...`);
  const local = await measureLocalLoad(
    quick
      ? { seconds: 3, connections: 10, warmupSeconds: 1 }
      : { seconds: 20, connections: 10, warmupSeconds: 3 },
  );

  const deleteObjects = quick ? 1_000 : 10_000;
  progress(`DELETE /me/data over ${deleteObjects} objects...`);
  const deletion = await measureDeleteAll(deleteObjects);

  const kb = (bytes: number) => round(bytes / 1024);
  const figures = {
    bare_presign_us: round(handler.bare_presign_us.median),
    upload_url_us: round(handler.upload_url_us.median),
    download_url_us: round(handler.download_url_us.median),
    me_us: round(handler.me_us.median),
    bare_presign_p90_us: round(handler.bare_presign_us.p90),
    upload_url_p90_us: round(handler.upload_url_us.p90),
    download_url_p90_us: round(handler.download_url_us.p90),
    me_p90_us: round(handler.me_us.p90),
    handler_overhead_ratio: round(handler.upload_url_us.median / handler.bare_presign_us.median),
    handler_overhead_ratio_paired: round(handler.paired_ratio.median),
    warm_path_cognito_calls: handler.warm_cognito_calls,
    batch_100_us: round(handler.batch_100_us.median),
    batch_100_ratio: round(handler.batch_100_us.median / (100 * handler.bare_presign_us.median)),
    batch_100_ratio_paired_get: round(handler.batch_paired_ratio.median),
    cognito_calls_per_10k: cognito.returning_users.total,
    cognito_get_id_per_10k: cognito.returning_users.getId,
    cognito_get_credentials_per_10k: cognito.returning_users.getCredentials,
    directory_reads_per_10k: cognito.returning_users.directoryGets,
    cognito_calls_per_10k_new_users: cognito.new_users.total,
    cognito_get_id_per_10k_new_users: cognito.new_users.getId,
    directory_writes_per_10k_new_users: cognito.new_users.directoryPuts,
    cognito_calls_per_10k_warm: cognito.warm.total,
    directory_calls_per_10k_warm: cognito.warm.directoryGets + cognito.warm.directoryPuts,
    bundle_kb: kb(cold.builds.bundleBytes),
    source_map_kb: kb(cold.builds.sourceMapBytes),
    unbundled_kb: kb(cold.builds.unbundledBytes),
    unbundled_packages: cold.builds.unbundledPackages,
    bundle_size_ratio: round(cold.builds.unbundledBytes / cold.builds.bundleBytes),
    cold_init_ms: round(cold.bundled.median),
    cold_init_p90_ms: round(cold.bundled.p90),
    cold_init_without_source_maps_ms: round(cold.bundledWithoutSourceMaps.median),
    unbundled_cold_init_ms: round(cold.unbundled.median),
    unbundled_cold_init_p90_ms: round(cold.unbundled.p90),
    cold_init_ratio: round(cold.unbundled.median / cold.bundled.median),
    cold_import_ms: round(cold.bundledImportMs),
    unbundled_cold_import_ms: round(cold.unbundledImportMs),
    cold_cognito_calls_per_process: cold.cognitoCallsPerProcess,
    local_rps: round(local.rps),
    local_p50_ms: local.p50_ms,
    local_p90_ms: local.p90_ms,
    local_p99_ms: local.p99_ms,
    local_errors: local.errors + local.timeouts + local.non2xx,
    local_requests: local.requests,
    local_seconds: local.seconds,
    local_connections: local.connections,
    local_users: local.users,
    delete_all_objects_per_s: round(deletion.objectsPerSecond),
    delete_all_objects: deletion.objects,
    delete_all_calls: deletion.calls,
  };
  const goalsMet = {
    handler_overhead_ratio: figures.handler_overhead_ratio <= GOALS.handler_overhead_ratio,
    cognito_calls_per_10k: figures.cognito_calls_per_10k <= GOALS.cognito_calls_per_10k,
    batch_100_ratio: figures.batch_100_ratio <= GOALS.batch_100_ratio,
  };
  const mark = (met: boolean) => (met ? 'ok' : 'MISSED');
  const samples = `median of ${handler.upload_url_us.samples} rounds (p90 in brackets)`;

  const rows: string[][] = [
    [
      'bare presign (getSignedUrl PUT)',
      `${figures.bare_presign_us} [${figures.bare_presign_p90_us}] us`,
      'the limit',
      samples,
    ],
    [
      'POST /files/uploads, warm',
      `${figures.upload_url_us} [${figures.upload_url_p90_us}] us`,
      '',
      'whole handler, in process',
    ],
    ['POST /files/downloads, warm', `${figures.download_url_us} [${figures.download_url_p90_us}] us`, '', ''],
    ['GET /me, warm', `${figures.me_us} [${figures.me_p90_us}] us`, '', 'no presign: middleware + caches'],
    [
      'handler overhead ratio',
      `${figures.handler_overhead_ratio} (paired ${figures.handler_overhead_ratio_paired})`,
      `<= ${GOALS.handler_overhead_ratio} ${mark(goalsMet.handler_overhead_ratio)}`,
      'upload / bare presign',
    ],
    [
      'POST /files/downloads/batch (100), warm',
      `${figures.batch_100_us} us`,
      '',
      'whole handler, in process',
    ],
    [
      'batch ratio',
      `${figures.batch_100_ratio} (vs 100 bare GETs ${figures.batch_100_ratio_paired_get})`,
      `<= ${GOALS.batch_100_ratio} ${mark(goalsMet.batch_100_ratio)}`,
      'batch of 100 / (100 x bare presign)',
    ],
    [
      'Cognito calls on the warm path',
      String(figures.warm_path_cognito_calls),
      '0',
      'after one request per user',
    ],
    [
      'Cognito calls per 10k requests',
      `${figures.cognito_calls_per_10k} (${figures.cognito_get_id_per_10k} GetId + ${figures.cognito_get_credentials_per_10k} creds)`,
      `<= ${GOALS.cognito_calls_per_10k} ${mark(goalsMet.cognito_calls_per_10k)}`,
      `100 returning users, 1 simulated hour on a new instance (${figures.directory_reads_per_10k} directory reads)`,
    ],
    [
      '  same, brand-new users (first hour ever)',
      `${figures.cognito_calls_per_10k_new_users} (${figures.cognito_get_id_per_10k_new_users} GetId)`,
      '',
      `one GetId per user, then recorded (${figures.directory_writes_per_10k_new_users} directory writes)`,
    ],
    [
      '  same, next hour (warm instance)',
      String(figures.cognito_calls_per_10k_warm),
      '',
      `credentials refreshed, IDs cached (${figures.directory_calls_per_10k_warm} directory calls)`,
    ],
    [
      'bundle (minified, as deployed)',
      `${figures.bundle_kb} KiB`,
      '',
      `+ ${figures.source_map_kb} KiB source map`,
    ],
    [
      'unbundled (packages shipped)',
      `${figures.unbundled_kb} KiB`,
      '',
      `${figures.unbundled_packages} packages, ${figures.bundle_size_ratio}x the bundle`,
    ],
    [
      'cold init + first request, bundle',
      `${figures.cold_init_ms} [${figures.cold_init_p90_ms}] ms`,
      '',
      `import ${figures.cold_import_ms} ms; --enable-source-maps as deployed`,
    ],
    ['  same, without --enable-source-maps', `${figures.cold_init_without_source_maps_ms} ms`, '', ''],
    [
      'cold init + first request, unbundled',
      `${figures.unbundled_cold_init_ms} [${figures.unbundled_cold_init_p90_ms}] ms`,
      '',
      `import ${figures.unbundled_cold_import_ms} ms; ${figures.cold_init_ratio}x the bundle`,
    ],
    [
      'local stack, upload URLs',
      `${figures.local_rps} req/s`,
      '',
      `${local.connections} connections, ${local.users} users, ${figures.local_seconds} s`,
    ],
    [
      '  latency p50 / p99',
      `${figures.local_p50_ms} / ${figures.local_p99_ms} ms`,
      '',
      'autocannon in a second process',
    ],
    ['  errors', String(figures.local_errors), '0', JSON.stringify(local.statuses)],
    [
      'DELETE /me/data, local stack',
      `${figures.delete_all_objects_per_s} objects/s`,
      '',
      `${figures.delete_all_objects} objects in every level, ${figures.delete_all_calls} calls (202s, then 204)`,
    ],
  ];
  console.log('');
  console.log(table(['figure', 'value', 'goal', 'notes'], rows, ['left', 'right']));
  console.log('');
  console.log(
    `Node ${process.version}, ${quick ? 'quick run (smoke: noisier figures)' : 'full run'}, ${((performance.now() - started) / 1000).toFixed(0)} s.`,
  );

  const failed = figures.local_errors > 0 || figures.warm_path_cognito_calls > 0;
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
