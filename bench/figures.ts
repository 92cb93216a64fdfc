/**
 * What `npm run bench` reports: its goals, the `--json` figures made from the measurements, and
 * which goals they meet.
 */
import type { ModeFigures } from './cognito-calls';
import type { FleetFigures } from './fleet-run';
import type { Measurements } from './measure-all';
import type { ScanningFigures } from './scanning-run';
import { round } from './stats';

export const GOALS = {
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
export function figuresOf(measurements: Measurements) {
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

export type Figures = ReturnType<typeof figuresOf>;

export function goalsMetBy(figures: Figures) {
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

export type GoalsMet = ReturnType<typeof goalsMetBy>;
