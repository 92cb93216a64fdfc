/**
 * Malware scanning as the API reports it: an object's status is read from its scan tag (the one the
 * bucket policy serves by) with the caller's own session, so the API and storage cannot disagree.
 * Nothing is read when the deployment does not scan, or does not scan the key's prefix.
 */
import { ScanBlockedError, ScanPendingError } from '../../../shared/domain/errors';
import { isScanned, isServable, type ScanSettings, type ScanStatus } from '../../../shared/domain/scan';
import type { IdentitySession } from '../../aws/identity';
import type { ObjectProperties, Storage } from '../../aws/storage';
import type { Config } from '../config';

/** How long a client is told to wait before asking again about a pending scan. */
export const SCAN_RETRY_AFTER_SECONDS = 2;

/** The deployment's scanning settings when they apply to `fullKey`; undefined: the key is never held. */
export function scanningOf(
  config: Pick<Config, 'malwareScanning'>,
  fullKey: string,
): ScanSettings | undefined {
  const settings = config.malwareScanning;
  return settings !== undefined && isScanned(settings, fullKey) ? settings : undefined;
}

/** A new object's status (an upload completed, a copy): `pending` where scanned, since it has no tag yet. */
export function newObjectScan(
  config: Pick<Config, 'malwareScanning'>,
  fullKey: string,
): 'pending' | undefined {
  return scanningOf(config, fullKey) === undefined ? undefined : 'pending';
}

/** An answer's `scan` member: present only when a status was read. */
export const scanField = (status: ScanStatus | undefined): { scan?: ScanStatus } =>
  status === undefined ? {} : { scan: status };

/** Throws the scan problem for an object storage will not serve (409 `scan_pending`/`scan_blocked`). */
function requireServable(settings: Pick<ScanSettings, 'onUnsupported'>, status: ScanStatus): void {
  if (status === 'pending') {
    throw new ScanPendingError(
      'the file is not scanned for malware yet; ask again',
      SCAN_RETRY_AFTER_SECONDS,
    );
  }
  if (!isServable(settings, status)) {
    throw new ScanBlockedError(`storage holds this file back: its malware scan is ${status}`, status);
  }
}

/**
 * The status of an object the caller is about to be given a URL for, under `settings` (what
 * `scanningOf` gave for its key): read, and checked servable. Undefined, with no call, when unscanned.
 */
export async function servableScan(
  settings: ScanSettings | undefined,
  storage: Storage,
  session: IdentitySession,
  fullKey: string,
): Promise<ScanStatus | undefined> {
  if (settings === undefined) return undefined;
  const status = await storage.scanStatus(session, fullKey);
  requireServable(settings, status);
  return status;
}

/**
 * A HEAD and, under `settings` (what `scanningOf` gave for the key), the scan tag, read at once.
 * Storage refuses a HEAD of an object it does not serve, so for one the status is the answer (the
 * scan problem), never the HEAD's refusal.
 */
export async function headWithScan(
  settings: ScanSettings | undefined,
  storage: Storage,
  session: IdentitySession,
  fullKey: string,
): Promise<{ properties: ObjectProperties; scan?: ScanStatus }> {
  const [head, scan] = await Promise.allSettled([
    storage.head(session, fullKey),
    servableScan(settings, storage, session, fullKey),
  ]);
  if (scan.status === 'rejected') throw scan.reason;
  if (head.status === 'rejected') throw head.reason;
  return { properties: head.value, ...scanField(scan.value) };
}
