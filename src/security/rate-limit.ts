/**
 * @module Rate limiting per API key: the Workers rate-limit binding where the deployment has
 * one, a token bucket per isolate otherwise (Deno, Node, or Workers without the binding).
 */

export interface RateLimiter {
  /** ok, or the seconds after which a retry can succeed (for Retry-After). */
  take(key: string): Promise<{ ok: true } | { ok: false; retryAfter: number }>;
}

export interface RateLimitSettings {
  /** Sustained requests per minute per key. */
  perMinute: number;
  /** Requests a key may send at once before the sustained rate applies. */
  burst: number;
}

/** The subset of the Workers rate-limit binding (`[[ratelimits]]` in wrangler.toml) used here. */
export interface WorkersRateLimit {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

/** Above this many tracked keys the least recently seen is dropped: its bucket has refilled the longest, so little is forgotten. */
const MAX_BUCKETS = 10_000;

export function tokenBucket({ perMinute, burst }: RateLimitSettings, now: () => number = () => Date.now()): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const perMs = perMinute / 60_000;
  return {
    async take(key) {
      const t = now();
      const b = buckets.get(key) ?? { tokens: burst, at: t };
      b.tokens = Math.min(burst, b.tokens + (t - b.at) * perMs);
      b.at = t;
      buckets.delete(key); // re-inserted last: Map order is then least recently used first
      buckets.set(key, b);
      if (buckets.size > MAX_BUCKETS) buckets.delete(buckets.keys().next().value as string);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return { ok: true };
      }
      return { ok: false, retryAfter: Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000)) };
    },
  };
}

/** The binding only answers yes/no: Retry-After is its period, the longest a caller may wait. */
export const workersRateLimiter = (binding: WorkersRateLimit, periodSeconds: number): RateLimiter => ({
  async take(key) {
    return (await binding.limit({ key })).success ? { ok: true } : { ok: false, retryAfter: periodSeconds };
  },
});
