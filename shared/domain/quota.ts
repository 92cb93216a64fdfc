/**
 * Quotas (bytes and objects) of each ledger owner, a user or a group's folder, and the reservations
 * that keep concurrent uploads from overshooting them: an issued upload URL holds its size until
 * its object's event arrives or the URL expires. Pure: the ledger adapter reads usage and
 * reservations, this decides.
 */
import { QuotaExceededError } from './errors';
import { groupOfOwner } from './groups';

export interface Quota {
  /** Undefined: no byte limit. */
  readonly bytes?: number;
  /** Undefined: no object limit. */
  readonly objects?: number;
}

export interface Reservation {
  /** The full S3 key the URL was issued for. */
  readonly key: string;
  readonly bytes: number;
  /** Epoch seconds after which the URL no longer works and the reservation is ignored. */
  readonly expiresAt: number;
}

export interface QuotaStanding {
  readonly bytes: number;
  readonly objects: number;
  readonly reservedBytes: number;
  readonly reservedObjects: number;
}

export const hasLimit = (quota: Quota) => quota.bytes !== undefined || quota.objects !== undefined;

/** A quota from its two optional settings (a variable pair, or an item's override attributes). */
export function quotaOf(bytes: number | undefined, objects: number | undefined): Quota {
  return {
    ...(bytes === undefined ? {} : { bytes }),
    ...(objects === undefined ? {} : { objects }),
  };
}

/** The deployment's quotas: `quota` for each user, `groupQuota` for each group's folder. */
export interface DeploymentQuotas {
  readonly quota: Quota;
  readonly groupQuota: Quota;
}

/** The deployment's quota of a ledger owner: a group's partition (`groups/{group}`) has the group quota. */
export function deploymentQuotaOf(quotas: DeploymentQuotas, owner: string): Quota {
  return groupOfOwner(owner) === undefined ? quotas.quota : quotas.groupQuota;
}

/** An owner's quota: an administrator's override, field by field, over the deployment's. */
export function effectiveQuota(quotas: DeploymentQuotas, owner: string, override: Quota): Quota {
  return { ...deploymentQuotaOf(quotas, owner), ...override };
}

/** Usage plus the live reservations (expired ones and the key's own previous one left out). */
export function standing(
  usage: { readonly bytes: number; readonly objects: number },
  reservations: readonly Reservation[],
  nowSeconds: number,
  exceptKey?: string,
): QuotaStanding {
  const live = reservations.filter((r) => r.expiresAt > nowSeconds && r.key !== exceptKey);
  return {
    bytes: usage.bytes,
    objects: usage.objects,
    reservedBytes: live.reduce((sum, r) => sum + r.bytes, 0),
    reservedObjects: live.length,
  };
}

/** Throws QuotaExceededError when one more object of `size` bytes would not fit. */
export function checkQuota(quota: Quota, current: QuotaStanding, size: number): void {
  const bytes = current.bytes + current.reservedBytes + size;
  const objects = current.objects + current.reservedObjects + 1;
  if (quota.bytes !== undefined && bytes > quota.bytes) {
    throw new QuotaExceededError(
      `size: ${size} more bytes would exceed the quota of ${quota.bytes} bytes (${current.bytes} stored, ${current.reservedBytes} reserved by pending uploads)`,
      current,
      quota,
    );
  }
  if (quota.objects !== undefined && objects > quota.objects) {
    throw new QuotaExceededError(
      `one more object would exceed the quota of ${quota.objects} objects (${current.objects} stored, ${current.reservedObjects} pending uploads)`,
      current,
      quota,
    );
  }
}
