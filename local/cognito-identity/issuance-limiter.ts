/**
 * The per-identity throttle on credential issuance: token buckets, so one user cannot mint
 * credentials fast enough to crowd others out of the credential store.
 */

export interface IssuanceLimit {
  readonly perSecond: number;
  readonly burst: number;
}

export interface IssuanceLimiter {
  /** Takes one issuance from `key`'s bucket; false when it is empty (throttled). */
  take(key: string): boolean;
}

/**
 * Token buckets per key. Bounded: a bucket that has refilled completely holds no information, so
 * buckets are swept (once a second at most) when there are many.
 */
export function issuanceLimiter(limit: IssuanceLimit, now: () => number): IssuanceLimiter {
  if (!(limit.perSecond > 0 && limit.burst >= 1)) throw new TypeError('issuanceLimit must be positive');
  const buckets = new Map<string, { tokens: number; at: number }>();
  const fullAfterMs = (limit.burst / limit.perSecond) * 1000;
  let lastSweep = 0;
  return {
    take(key: string): boolean {
      const at = now();
      if (buckets.size > 10_000 && at - lastSweep > 1_000) {
        lastSweep = at;
        for (const [name, bucket] of buckets) if (at - bucket.at >= fullAfterMs) buckets.delete(name);
      }
      const bucket = buckets.get(key) ?? { tokens: limit.burst, at };
      bucket.tokens = Math.min(limit.burst, bucket.tokens + ((at - bucket.at) / 1000) * limit.perSecond);
      bucket.at = at;
      buckets.set(key, bucket);
      if (bucket.tokens < 1) return false;
      bucket.tokens -= 1;
      return true;
    },
  };
}
