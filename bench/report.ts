/** The table `npm run bench` prints: one row per figure, with its goal and how it was measured. */
import { type Figures, GOALS, type GoalsMet } from './figures';
import type { Measurements } from './measure-all';
import { round } from './stats';

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
function groupRows(m: Figures['modes']['sealed'], goalsMet: GoalsMet): string[][] {
  if (m.group_member_upstream_calls_per_user_day === undefined) return [];
  return [
    [
      '  same, a member of 2 groups',
      String(m.group_member_upstream_calls_per_user_day),
      `<= ${m.upstream_calls_per_user_day} ${mark(goalsMet.group_member_upstream_calls_per_user_day)}`,
      'half of the requests in a team folder: sessions cached per (user, groups)',
    ],
    [
      '  team-folder requests, warm instance',
      String(m.group_warm_upstream_calls),
      `0 ${mark(goalsMet.group_warm_upstream_calls)}`,
      `${m.group_warm_requests} uploads, downloads and GET /me in 10 simulated minutes`,
    ],
  ];
}

function modeRows(figures: Figures, goalsMet: GoalsMet): string[][] {
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
      ...groupRows(m, goalsMet),
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
function offOn(figures: Figures, pick: (side: Figures['fleet']['on']) => number): string {
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
  const toClean = (side: Figures['scanning']['immediate']) =>
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

/** Every section's rows, in the order the sections run. */
export function reportRows(figures: Figures, goalsMet: GoalsMet, measured: Measurements): string[][] {
  return [
    ...handlerRows(figures, goalsMet, measured),
    ...modeRows(figures, goalsMet),
    ...fleetRows(figures, goalsMet),
    ...coldRows(figures),
    ...localStackRows(figures, goalsMet, measured),
    ...ledgerRows(figures, goalsMet, measured),
    ...scanRows(figures, goalsMet, measured),
  ];
}
