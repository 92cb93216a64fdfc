/**
 * Token buckets per key: `burst` at once, refilled at `perSecond`. The local stack's rate limits
 * (the API's per-user and per-address guest limits, credential issuance per identity, guest
 * identity creation) all use these. Bounded: a bucket
 * that has refilled completely holds no information, so buckets are swept (once a second at most)
 * when there are many.
 */
export interface RateLimit {
  readonly perSecond: number;
  readonly burst: number;
}

export interface TokenBuckets {
  /** Takes one token from `key`'s bucket: 0 when taken, else the whole seconds until one would be. */
  take(key: string): number;
}

const SWEEP_ABOVE = 10_000;

export function tokenBuckets(limit: RateLimit, now: () => number, name = 'rate limit'): TokenBuckets {
  if (!(limit.perSecond > 0 && limit.burst >= 1)) throw new TypeError(`${name} must be positive`);
  const buckets = new Map<string, { tokens: number; at: number }>();
  const fullAfterMs = (limit.burst / limit.perSecond) * 1000;
  let lastSweep = 0;
  return {
    take(key) {
      const at = now();
      if (buckets.size > SWEEP_ABOVE && at - lastSweep > 1_000) {
        lastSweep = at;
        for (const [other, bucket] of buckets) if (at - bucket.at >= fullAfterMs) buckets.delete(other);
      }
      const bucket = buckets.get(key) ?? { tokens: limit.burst, at };
      bucket.tokens = Math.min(limit.burst, bucket.tokens + ((at - bucket.at) / 1000) * limit.perSecond);
      bucket.at = at;
      buckets.set(key, bucket);
      if (bucket.tokens < 1) return Math.max(1, Math.ceil((1 - bucket.tokens) / limit.perSecond));
      bucket.tokens -= 1;
      return 0;
    },
  };
}
