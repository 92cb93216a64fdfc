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
 */
import { parseArgs } from 'node:util';
import { countCognitoCalls, type ModeFigures } from './cognito-calls';
import { measureColdStart } from './cold-start';
import { runDeleteAll } from './delete-all';
import { type FleetFigures, runFleet } from './fleet-run';
import { measureHandler } from './in-process';
import { measureLedgerEvents } from './ledger-events';
import { measureLocalLoad } from './local-load';
import { type MultipartFigures, runMultipart } from './multipart-run';
import { measureScannedDownload, measureScanResults } from './scan-in-process';
import { measureScanning, type ScanningFigures } from './scanning-run';
import { round, table } from './stats';

const GOALS = {
  handler_overhead_ratio: 1.5,
  upstream_calls_per_user_day: 6,
  fleet_sessions_per_user_day: 3,
  fleet_kms_calls_per_instance_hour: 10,
  max_dau_at_50_rps: 1_000_000,
  max_url_lifetime_s: 43_200,
  multipart_vs_sdk_ratio: 0.9,
  resume_waste_ratio: 1.15,
  batch_100_ratio: 1.2,
  ledger_drift: 0,
  eicar_served: 0,
} as const;

const { values: flags } = parseArgs({
  options: { json: { type: 'boolean', default: false }, quick: { type: 'boolean', default: false } },
  strict: true,
});
const quick = flags.quick ?? false;

/** One access mode's identity-call figures, as `--json` reports them. */
function modeFigures(m: ModeFigures) {
  return {
    cognito_calls_per_10k: m.returning_users.cognito,
    sts_calls_per_10k: m.returning_users.sts,
    get_id_per_10k: m.returning_users.getId,
    directory_reads_per_10k: m.returning_users.directoryGets,
    cognito_calls_per_10k_new_users: m.new_users.cognito,
    sts_calls_per_10k_new_users: m.new_users.sts,
    upstream_calls_per_10k_warm: m.warm.total,
    upstream_calls_per_user_day: m.user_day.total,
    directory_reads_per_user_day: m.user_day.directoryGets,
    max_url_lifetime_s: m.max_url_lifetime_s,
    ...(m.groups === undefined
      ? {}
      : {
          group_member_upstream_calls_per_user_day: m.groups.user_day.total,
          group_warm_upstream_calls: m.groups.warm_calls,
          group_warm_requests: m.groups.warm_requests,
        }),
  };
}

const progress = (message: string) => process.stderr.write(`bench: ${message}\n`);

/** Every section's measurements, in the order the header lists them. */
async function measureAll() {
  progress('warm handler path vs. bare presign...');
  const rounds = quick ? { warmup: 300, rounds: 10, batch: 50 } : { warmup: 2_000, rounds: 60, batch: 100 };
  const handler = await measureHandler(rounds);
  // Section 8's handler figure, here: no local stack has set endpoint variables in this process yet.
  progress('warm download handler, malware scanning on vs. off...');
  const scannedDownload = await measureScannedDownload(rounds);

  progress('Cognito and STS calls per access mode, over a simulated hour and day...');
  const cognito = await countCognitoCalls();

  const fleetUsers = quick ? 10_000 : 50_000;
  progress(`fleet of instances over two simulated days, ${fleetUsers} users, session store off and on...`);
  const fleet = await runFleet({ users: fleetUsers });

  progress('bundling and cold starts...');
  const cold = await measureColdStart(quick ? 3 : 15);

  progress(`local stack load (${quick ? 3 : 20} s)...`);
  const local = await measureLocalLoad(
    quick
      ? { seconds: 3, connections: 10, warmupSeconds: 1 }
      : { seconds: 20, connections: 10, warmupSeconds: 3 },
  );

  progress(`large uploads (${quick ? 64 : 256} MiB, helper vs. SDK, resume)...`);
  const multipart: MultipartFigures = await runMultipart(
    quick ? { mib: 64, rounds: 1 } : { mib: 256, rounds: 3 },
  );
  const deleteObjects = quick ? 1_000 : 10_000;
  progress(`DELETE /me/data over ${deleteObjects} objects...`);
  const deletion = await runDeleteAll(deleteObjects);
  progress('ledger under duplicated and reordered events, events function throughput...');
  const ledgerEvents = await measureLedgerEvents({ rounds: quick ? 2 : 5 });
  const scanUploads = quick ? 5 : 20;
  progress(`malware scanning: ${scanUploads} uploads to clean, scanner delay 0 and default, EICAR...`);
  const scanning = await measureScanning({ uploads: scanUploads });
  progress('events function over scan results...');
  const scanResults = await measureScanResults({ rounds: quick ? 2 : 5 });
  return {
    handler,
    cognito,
    fleet,
    cold,
    local,
    multipart,
    deletion,
    ledgerEvents,
    scanning,
    scanResults,
    scannedDownload,
  };
}

type Measurements = Awaited<ReturnType<typeof measureAll>>;

const kb = (bytes: number) => round(bytes / 1024);

/** One side (store off or on) of the fleet simulation, as `--json` reports it. */
function fleetSide(f: FleetFigures) {
  return {
    fleet_sessions_per_user_day: round(f.fleet_sessions_per_user_day),
    fleet_cache_hit_rate: round(f.fleet_cache_hit_rate),
    fleet_kms_calls_per_instance_hour: round(f.fleet_kms_calls_per_instance_hour),
    fleet_store_reads_per_1k_requests: round(f.fleet_store_reads_per_1k_requests),
    max_dau_at_50_rps: f.max_dau_at_50_rps,
    max_dau_at_50_rps_measured_peak: f.max_dau_at_50_rps_measured_peak,
    fleet_requests: f.requests,
    fleet_instance_hours: round(f.instance_hours),
    fleet_peak_instances: f.peak_instances,
  };
}

/** One local scanning run (one scanner delay), as `--json` reports it. */
function scanSide(f: ScanningFigures) {
  return {
    scan_delay_ms: f.scan_delay_ms,
    uploads: f.uploads,
    scan_to_clean_ms: round(f.scan_to_clean_ms),
    scan_to_clean_p90_ms: round(f.scan_to_clean_p90_ms),
    scan_pending_polls: f.scan_pending_polls,
    scan_poll_ms: round(f.scan_poll_ms),
    eicar_served: f.eicar_served,
    eicar_removed_ms: round(f.eicar_removed_ms),
  };
}

/** Malware scanning's figures: the local pipeline without and with the scanner's default delay, and in process. */
function scanningFigures({ scanning, scanResults, scannedDownload }: Measurements) {
  return {
    scanning: { immediate: scanSide(scanning.immediate), default_delay: scanSide(scanning.defaultDelay) },
    eicar_served: scanning.immediate.eicar_served + scanning.defaultDelay.eicar_served,
    scan_results_per_s: round(scanResults.resultsPerSecond.median),
    scan_results_p90_per_s: round(scanResults.resultsPerSecond.p90),
    scan_results_messages: scanResults.messages,
    scan_results_failures: scanResults.failures,
    download_with_scan_us: round(scannedDownload.withScanUs.median),
    download_with_scan_p90_us: round(scannedDownload.withScanUs.p90),
    download_without_scan_us: round(scannedDownload.withoutScanUs.median),
    download_with_scan_ratio: round(scannedDownload.ratio.median),
  };
}

/** The reported figures: the `--json` keys, in their order. */
function figuresOf(measurements: Measurements) {
  const { handler, cognito, fleet, cold, local, multipart, deletion, ledgerEvents } = measurements;
  return {
    bare_presign_us: round(handler.bare_presign_us.median),
    upload_url_us: round(handler.upload_url_us.median),
    download_url_us: round(handler.download_url_us.median),
    me_us: round(handler.me_us.median),
    public_link_us: round(handler.public_link_us.median),
    public_link_p90_us: round(handler.public_link_us.p90),
    public_link_ratio: round(handler.public_link_ratio.median),
    bare_presign_p90_us: round(handler.bare_presign_us.p90),
    upload_url_p90_us: round(handler.upload_url_us.p90),
    download_url_p90_us: round(handler.download_url_us.p90),
    me_p90_us: round(handler.me_us.p90),
    handler_overhead_ratio: round(handler.upload_url_us.median / handler.bare_presign_us.median),
    handler_overhead_ratio_paired: round(handler.paired_ratio.median),
    warm_path_cognito_calls: handler.warm_cognito_calls,
    // Per access mode: returning users on a new instance for the per-10k figures.
    modes: { sealed: modeFigures(cognito.sealed), direct: modeFigures(cognito.direct) },
    // The fleet, the session store off and on.
    fleet: {
      users: fleet.off.users,
      seconds: round(fleet.seconds),
      off: fleetSide(fleet.off),
      on: fleetSide(fleet.on),
      fleet_store_gain: round(fleet.store_gain),
    },
    batch_100_us: round(handler.batch_100_us.median),
    batch_100_ratio: round(handler.batch_100_us.median / (100 * handler.bare_presign_us.median)),
    batch_100_ratio_paired_get: round(handler.batch_paired_ratio.median),
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
    multipart_mib_s: round(multipart.multipart_mib_s),
    sdk_upload_mib_s: round(multipart.sdk_upload_mib_s),
    multipart_vs_sdk_ratio: round(multipart.multipart_vs_sdk_ratio),
    resume_waste_ratio: round(multipart.resume_waste_ratio),
    multipart_mib: multipart.multipart_mib,
    delete_all_objects_per_s: round(deletion.objectsPerSecond),
    delete_all_objects: deletion.objects,
    delete_all_calls: deletion.calls,
    ledger_drift: ledgerEvents.ledgerDrift,
    ledger_drift_events_function: ledgerEvents.handlerDrift,
    ledger_events: ledgerEvents.events,
    ledger_deliveries: ledgerEvents.deliveries,
    events_per_s: round(ledgerEvents.eventsPerSecond.median),
    events_p90_per_s: round(ledgerEvents.eventsPerSecond.p90),
    events_failures: ledgerEvents.failures,
    ...scanningFigures(measurements),
  };
}

type Figures = ReturnType<typeof figuresOf>;

function goalsMetBy(figures: Figures) {
  // The fleet goals are the store's: judged with it on, or with it off while there is none.
  const fleet = figures.fleet.on;
  return {
    handler_overhead_ratio: figures.handler_overhead_ratio <= GOALS.handler_overhead_ratio,
    fleet_sessions_per_user_day: fleet.fleet_sessions_per_user_day <= GOALS.fleet_sessions_per_user_day,
    fleet_kms_calls_per_instance_hour:
      fleet.fleet_kms_calls_per_instance_hour <= GOALS.fleet_kms_calls_per_instance_hour,
    max_dau_at_50_rps: fleet.max_dau_at_50_rps >= GOALS.max_dau_at_50_rps,
    upstream_calls_per_user_day: Object.values(figures.modes).every(
      (m) => m.upstream_calls_per_user_day <= GOALS.upstream_calls_per_user_day,
    ),
    // Team folders cost no more: a member's day as a user's, and nothing on a warm instance.
    group_member_upstream_calls_per_user_day:
      figures.modes.sealed.group_member_upstream_calls_per_user_day !== undefined &&
      figures.modes.sealed.group_member_upstream_calls_per_user_day <=
        figures.modes.sealed.upstream_calls_per_user_day,
    group_warm_upstream_calls: figures.modes.sealed.group_warm_upstream_calls === 0,
    max_url_lifetime_s: Object.values(figures.modes).every(
      (m) => m.max_url_lifetime_s === GOALS.max_url_lifetime_s,
    ),
    multipart_vs_sdk_ratio: figures.multipart_vs_sdk_ratio >= GOALS.multipart_vs_sdk_ratio,
    resume_waste_ratio: figures.resume_waste_ratio <= GOALS.resume_waste_ratio,
    batch_100_ratio: figures.batch_100_ratio <= GOALS.batch_100_ratio,
    ledger_drift:
      figures.ledger_drift === GOALS.ledger_drift &&
      figures.ledger_drift_events_function === GOALS.ledger_drift,
    eicar_served: figures.eicar_served === GOALS.eicar_served,
  };
}

type GoalsMet = ReturnType<typeof goalsMetBy>;

const mark = (met: boolean) => (met ? 'ok' : 'MISSED');

function handlerRows(figures: Figures, goalsMet: GoalsMet, { handler }: Measurements): string[][] {
  return [
    [
      'bare presign (getSignedUrl PUT)',
      `${figures.bare_presign_us} [${figures.bare_presign_p90_us}] us`,
      'the limit',
      `median of ${handler.upload_url_us.samples} rounds (p90 in brackets)`,
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
      'GET /public/{owner}/{key}, warm',
      `${figures.public_link_us} [${figures.public_link_p90_us}] us`,
      '',
      'no token; guest session; HEAD answered in process',
    ],
    ['public link / download', String(figures.public_link_ratio), '', 'per round'],
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
      'Cognito + STS calls on the warm path',
      String(figures.warm_path_cognito_calls),
      '0',
      'after one request per user',
    ],
  ];
}

/** Sealed mode's team-folder rows (direct mode carries no groups). */
function groupRows(m: Figures['modes']['sealed']): string[][] {
  if (m.group_member_upstream_calls_per_user_day === undefined) return [];
  const day = m.group_member_upstream_calls_per_user_day;
  const warm = m.group_warm_upstream_calls ?? -1;
  return [
    [
      '  same, a member of 2 groups',
      String(day),
      `<= ${m.upstream_calls_per_user_day} ${mark(day <= m.upstream_calls_per_user_day)}`,
      'half of the requests in a team folder: sessions cached per (user, groups)',
    ],
    [
      '  team-folder requests, warm instance',
      String(warm),
      `0 ${mark(warm === 0)}`,
      `${m.group_warm_requests} uploads, downloads and GET /me in 10 simulated minutes`,
    ],
  ];
}

function modeRows(figures: Figures): string[][] {
  return (['sealed', 'direct'] as const).flatMap((mode) => {
    const m = figures.modes[mode];
    return [
      [
        `${mode}: Cognito + STS calls per 10k requests`,
        `${m.cognito_calls_per_10k} + ${m.sts_calls_per_10k}`,
        '',
        `100 returning users, 1 simulated hour, new instance (${m.get_id_per_10k} GetId, ${m.directory_reads_per_10k} directory reads)`,
      ],
      [
        '  same, brand-new users',
        `${m.cognito_calls_per_10k_new_users} + ${m.sts_calls_per_10k_new_users}`,
        '',
        '',
      ],
      ['  same, next hour (warm instance)', String(m.upstream_calls_per_10k_warm), '', ''],
      [
        `${mode}: upstream calls per user-day`,
        String(m.upstream_calls_per_user_day),
        `<= ${GOALS.upstream_calls_per_user_day} ${mark(m.upstream_calls_per_user_day <= GOALS.upstream_calls_per_user_day)}`,
        `1 instance, 1 returning user, a request a minute, 15-minute URLs (${m.directory_reads_per_user_day} directory reads)`,
      ],
      ...groupRows(m),
      [
        `${mode}: longest URL`,
        `${m.max_url_lifetime_s} s`,
        `${GOALS.max_url_lifetime_s} ${mark(m.max_url_lifetime_s === GOALS.max_url_lifetime_s)}`,
        'a 12-hour download URL, fresh and from a 3-hour-old session',
      ],
    ];
  });
}

/** "off / on": the session store off, then on. */
function offOn(figures: Figures, pick: (side: ReturnType<typeof fleetSide>) => number): string {
  const { off, on } = figures.fleet;
  return `${pick(off)} / ${pick(on)}`;
}

function fleetRows(figures: Figures, goalsMet: GoalsMet): string[][] {
  const { fleet } = figures;
  return [
    [
      'fleet: sessions per user-day (store off / on)',
      offOn(figures, (f) => f.fleet_sessions_per_user_day),
      `<= ${GOALS.fleet_sessions_per_user_day} ${mark(goalsMet.fleet_sessions_per_user_day)}`,
      `${fleet.users} users x 5 visits x 10 requests, peak 1.8x, 40 ms, 1.5x headroom, 2 h recycling; day 2 (${fleet.off.fleet_requests} requests)`,
    ],
    ['  instance-cache hit rate', offOn(figures, (f) => f.fleet_cache_hit_rate), '', 'hits / requests'],
    [
      '  KMS calls per instance-hour',
      offOn(figures, (f) => f.fleet_kms_calls_per_instance_hour),
      `<= ${GOALS.fleet_kms_calls_per_instance_hour} ${mark(goalsMet.fleet_kms_calls_per_instance_hour)}`,
      `${fleet.off.fleet_instance_hours} instance-hours, at most ${fleet.off.fleet_peak_instances} at once`,
    ],
    ['  store reads per 1k requests', offOn(figures, (f) => f.fleet_store_reads_per_1k_requests), '', ''],
    [
      '  max daily users at 50 mints/s',
      offOn(figures, (f) => f.max_dau_at_50_rps),
      `>= ${GOALS.max_dau_at_50_rps} ${mark(goalsMet.max_dau_at_50_rps)}`,
      `extrapolated: 50/s x 86,400 / (1.8 x sessions per user-day); from the busiest 10 min: ${offOn(figures, (f) => f.max_dau_at_50_rps_measured_peak)}`,
    ],
    [
      '  store gain (sessions off / on)',
      String(fleet.fleet_store_gain),
      '',
      `simulated in ${fleet.seconds} s`,
    ],
  ];
}

function coldRows(figures: Figures): string[][] {
  return [
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
  ];
}

function localStackRows(
  figures: Figures,
  goalsMet: GoalsMet,
  { local, multipart }: Measurements,
): string[][] {
  return [
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
      `multipart upload, ${figures.multipart_mib} MiB`,
      `${figures.multipart_mib_s} MiB/s`,
      '',
      'shared/api/upload.ts: 8 MiB parts, 4 in parallel, SHA-256 each',
    ],
    [
      '  same bytes, SDK lib-storage Upload',
      `${figures.sdk_upload_mib_s} MiB/s`,
      '',
      'same parts, user credentials',
    ],
    [
      '  helper / SDK',
      String(figures.multipart_vs_sdk_ratio),
      `>= ${GOALS.multipart_vs_sdk_ratio} ${mark(goalsMet.multipart_vs_sdk_ratio)}`,
      `median of ${multipart.multipart_rounds} alternating rounds`,
    ],
    [
      'resume waste (sent / size)',
      String(figures.resume_waste_ratio),
      `<= ${GOALS.resume_waste_ratio} ${mark(goalsMet.resume_waste_ratio)}`,
      `killed at 50 %, resumed by a new process (${multipart.resume_resumed_parts} parts kept)`,
    ],
    [
      'DELETE /me/data, local stack',
      `${figures.delete_all_objects_per_s} objects/s`,
      '',
      `${figures.delete_all_objects} objects in every level, ${figures.delete_all_calls} calls (202s, then 204)`,
    ],
  ];
}

function ledgerRows(figures: Figures, goalsMet: GoalsMet, { ledgerEvents }: Measurements): string[][] {
  return [
    [
      'ledger drift (fields off)',
      `${figures.ledger_drift} (events function ${figures.ledger_drift_events_function})`,
      `${GOALS.ledger_drift} ${mark(goalsMet.ledger_drift)}`,
      `${figures.ledger_events} events, ${figures.ledger_deliveries} deliveries (20 % twice, 20 % reordered), ${ledgerEvents.owners} owners, ${ledgerEvents.keys} keys`,
    ],
    [
      'events function, in process',
      `${figures.events_per_s} [p90 ${figures.events_p90_per_s}] events/s`,
      '',
      `SQS batches of 10, in-memory ledger and S3 fake; ${figures.events_failures} failed messages`,
    ],
  ];
}

function scanRows(figures: Figures, goalsMet: GoalsMet, { scanResults }: Measurements): string[][] {
  const { immediate, default_delay: delayed } = figures.scanning;
  const { threats, failed, messages } = scanResults;
  const percent = (count: number) => round((100 * count) / messages);
  const toClean = (side: ReturnType<typeof scanSide>) =>
    `${side.scan_to_clean_ms} [${side.scan_to_clean_p90_ms}] ms`;
  return [
    [
      'scan to clean, local, scanner delay 0',
      toClean(immediate),
      '',
      `PUT's 200 -> first OK POST /files/downloads, ${immediate.uploads} small files; ${immediate.scan_pending_polls} scan_pending polls, ${immediate.scan_poll_ms} ms each`,
    ],
    [
      `  same, scanner delay ${delayed.scan_delay_ms} ms (npm start)`,
      toClean(delayed),
      '',
      `${delayed.scan_pending_polls} scan_pending polls; GuardDuty's own latency (seconds to minutes) is not measurable here`,
    ],
    [
      'EICAR served',
      String(figures.eicar_served),
      `${GOALS.eicar_served} ${mark(goalsMet.eicar_served)}`,
      `OK downloads over its life, both runs; removed ${immediate.eicar_removed_ms} / ${delayed.eicar_removed_ms} ms after its PUT`,
    ],
    [
      'events function, scan results',
      `${figures.scan_results_per_s} [p90 ${figures.scan_results_p90_per_s}] results/s`,
      '',
      `SQS batches of 10: ${percent(threats)} % infected (delete + rejection), ${percent(failed)} % failed, the rest clean; fakes; ${figures.scan_results_failures} failed messages`,
    ],
    [
      'POST /files/downloads, scanning on, warm',
      `${figures.download_with_scan_us} [${figures.download_with_scan_p90_us}] us`,
      '',
      `tag read answered in process; off: ${figures.download_without_scan_us} us, same rounds`,
    ],
    ['  scanned / unscanned download', String(figures.download_with_scan_ratio), '', 'per round'],
  ];
}

async function main(): Promise<number> {
  const started = performance.now();
  const measured = await measureAll();
  const figures = figuresOf(measured);
  const goalsMet = goalsMetBy(figures);
  const rows = [
    ...handlerRows(figures, goalsMet, measured),
    ...modeRows(figures),
    ...fleetRows(figures, goalsMet),
    ...coldRows(figures),
    ...localStackRows(figures, goalsMet, measured),
    ...ledgerRows(figures, goalsMet, measured),
    ...scanRows(figures, goalsMet, measured),
  ];
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
