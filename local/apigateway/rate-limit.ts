/**
 * The per-user request limit the deployed stack's WAF enforces, here a token bucket per verified
 * `sub`: `burst` requests at once, refilled at `perSecond`.
 */

export interface UserRateLimit {
  readonly perSecond: number;
  readonly burst: number;
}

export interface UserLimiter {
  /** 0 when `user`'s request may go on, else the whole seconds until it could. */
  take(user: string): number;
}

/** Buckets that have refilled completely hold no information: past this many, they are swept. */
const SWEEP_ABOVE = 10_000;

export function userLimiter(limit: UserRateLimit, now: () => number): UserLimiter {
  if (!(limit.perSecond > 0 && limit.burst >= 1)) throw new TypeError('userRateLimit must be positive');
  const buckets = new Map<string, { tokens: number; at: number }>();
  const fullAfterMs = (limit.burst / limit.perSecond) * 1000;
  let lastSweep = 0;
  return {
    take(user) {
      const at = now();
      if (buckets.size > SWEEP_ABOVE && at - lastSweep > 1_000) {
        lastSweep = at;
        for (const [name, bucket] of buckets) if (at - bucket.at >= fullAfterMs) buckets.delete(name);
      }
      const bucket = buckets.get(user) ?? { tokens: limit.burst, at };
      bucket.tokens = Math.min(limit.burst, bucket.tokens + ((at - bucket.at) / 1000) * limit.perSecond);
      bucket.at = at;
      buckets.set(user, bucket);
      if (bucket.tokens < 1) return Math.max(1, Math.ceil((1 - bucket.tokens) / limit.perSecond));
      bucket.tokens -= 1;
      return 0;
    },
  };
}
