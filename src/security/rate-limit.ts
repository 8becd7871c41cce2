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

/**
 * How many keys a bucket map tracks. Above `soft` the least recently seen key is dropped once its bucket has refilled
 * (then forgetting it changes nothing). A bucket still refilling is kept up to `hard`: were it dropped, a caller could
 * reset a subject's exhausted attempts by touching enough other keys (existing subjects of its own tenant, over several
 * keys) in between. Beyond `hard` memory wins (about 170 bytes a bucket: 8.6 MB at 50,000), which takes that many
 * keys touched within one refill time (10 minutes for the default subject cap: some 40 API keys at their full rate).
 */
export const BUCKET_LIMITS = { soft: 10_000, hard: 50_000 };

interface Bucket { tokens: number; at: number }

/** A token bucket per key; `size` is how many keys it tracks. */
export function tokenBucket({ perMinute, burst }: RateLimitSettings, now: () => number = () => Date.now(), limits = BUCKET_LIMITS): RateLimiter & { readonly size: number } {
  const buckets = new Map<string, Bucket>();
  const perMs = perMinute / 60_000;
  /** Tokens in `b` at time `t`, refilled since it was last seen. */
  const level = (b: Bucket, t: number) => Math.min(burst, b.tokens + (t - b.at) * perMs);
  return {
    get size() {
      return buckets.size;
    },
    async take(key) {
      const t = now();
      const b = buckets.get(key) ?? { tokens: burst, at: t };
      b.tokens = level(b, t);
      b.at = t;
      buckets.delete(key); // re-inserted last: Map order is then least recently used first
      buckets.set(key, b);
      if (buckets.size > limits.soft) {
        const [oldest, ob] = buckets.entries().next().value as [string, Bucket];
        if (buckets.size > limits.hard || level(ob, t) >= burst) buckets.delete(oldest);
      }
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
