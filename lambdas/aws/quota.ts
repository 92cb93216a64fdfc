/**
 * Upload reservations against the owner's quota: the one entry point every route that issues an
 * upload (a presigned PUT, a multipart start) calls before signing. The owner is the ledger
 * partition the object will count in: the caller's identity ID, or `groups/{group}` (`groupOwner`)
 * for a team folder, which has the deployment's group quota instead of the user quota. Usage and
 * live reservations are read, the quota decides, and the reservation is written only if nothing
 * changed the owner's usage item since (its `version`); otherwise it reads and decides again, so
 * racing requests cannot overshoot.
 *
 * Without a deployment quota (for that kind of owner), most owners have no limit at all, yet an
 * override could give one: an owner found without one is not read again for `NO_LIMIT_RECHECK_MS`,
 * so their upload URLs cost no DynamoDB call. An override therefore applies within that time (and
 * the events function enforces it on whatever was stored meanwhile).
 */
import { ExpiringCache } from '../../shared/cache/expiring-cache';
import { ThrottledError } from '../../shared/domain/errors';
import {
  checkQuota,
  type DeploymentQuotas,
  deploymentQuotaOf,
  effectiveQuota,
  hasLimit,
  type Quota,
  type QuotaStanding,
  standing,
} from '../../shared/domain/quota';
import type { Usage } from '../../shared/events/ledger';
import type { Ledger } from './ledger';

export interface Quotas {
  /**
   * Reserves `size` bytes (and one object) for `key` for the URL's lifetime, or throws
   * QuotaExceededError. With no quota for this owner nothing is written.
   */
  reserveUpload(owner: string, key: string, size: number, lifetimeSeconds: number): Promise<void>;
  /** Usage, live reservations and the owner's effective quota, for `GET /me`. */
  standing(owner: string): Promise<{ usage: Usage; standing: QuotaStanding; quota: Quota }>;
}

/** Racing writers each win one round; past this many rounds the caller is asked to retry. */
const RESERVE_ATTEMPTS = 40;
/** How long an owner (user or group) found without any limit is taken to still have none. */
export const NO_LIMIT_RECHECK_MS = 60_000;
/** Owners remembered as unlimited, per instance. */
const NO_LIMIT_ENTRIES = 10_000;

/**
 * Owners found without any limit, remembered for NO_LIMIT_RECHECK_MS, and only when the deployment
 * has no quota for their kind (user or group; then a limit can only come from an override): both
 * the API and the events function skip reading such an owner's usage until then.
 */
export function unlimitedOwners(quotas: DeploymentQuotas, now: () => number) {
  const deploymentLimited = (owner: string) => hasLimit(deploymentQuotaOf(quotas, owner));
  const seen = new ExpiringCache<string, { readonly seenAt: number }>({
    max: NO_LIMIT_ENTRIES,
    expiresAt: (entry) => entry.seenAt + NO_LIMIT_RECHECK_MS,
    now,
  });
  return {
    known: (owner: string): boolean => !deploymentLimited(owner) && seen.peek(owner) !== undefined,
    async remember(owner: string): Promise<void> {
      if (!deploymentLimited(owner)) await seen.get(owner, async () => ({ seenAt: now() }));
    },
  };
}

export function createQuotas(options: {
  readonly ledger: Ledger;
  /** The deployment's quota of each user; an override on a user's usage item replaces it. */
  readonly quota: Quota;
  /** The deployment's quota of each group's folder; an override on its usage item replaces it. */
  readonly groupQuota: Quota;
  /** Epoch ms. */
  readonly now: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}): Quotas {
  const { ledger, now } = options;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const quotas: DeploymentQuotas = { quota: options.quota, groupQuota: options.groupQuota };
  const effective = (owner: string, override: Quota): Quota => effectiveQuota(quotas, owner, override);
  const unlimited = unlimitedOwners(quotas, now);

  return {
    async reserveUpload(owner, key, size, lifetimeSeconds) {
      if (unlimited.known(owner)) return;
      for (let attempt = 1; attempt <= RESERVE_ATTEMPTS; attempt++) {
        const record = await ledger.usage(owner);
        const quota = effective(owner, record.quota);
        if (!hasLimit(quota)) {
          await unlimited.remember(owner);
          return;
        }
        const reservations = await ledger.reservations(owner);
        const nowSeconds = Math.floor(now() / 1000);
        const expiresAt = nowSeconds + lifetimeSeconds + 1;
        // A new URL for the same key replaces that key's reservation, keeping the larger of the two.
        const previous = reservations.find((r) => r.key === key && r.expiresAt > nowSeconds);
        checkQuota(quota, standing(record.usage, reservations, nowSeconds, key), size);
        const reservation = {
          key,
          bytes: Math.max(size, previous?.bytes ?? 0),
          expiresAt: Math.max(expiresAt, previous?.expiresAt ?? 0),
        };
        if (await ledger.reserve(owner, reservation, record.version)) return;
        await sleep(Math.random() * 10 * Math.min(attempt, 5));
      }
      throw new ThrottledError('too many uploads are being started at once for this user or group', 1);
    },

    async standing(owner) {
      const [record, reservations] = await Promise.all([ledger.usage(owner), ledger.reservations(owner)]);
      return {
        usage: record.usage,
        standing: standing(record.usage, reservations, Math.floor(now() / 1000)),
        quota: effective(owner, record.quota),
      };
    },
  };
}
