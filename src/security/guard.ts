/**
 * @module Guard: the middleware in front of every /v1 route except health, info and the OpenAPI
 * document. It resolves storage, authenticates the key (or the admin token), fixes the tenant
 * and spends one token of the key's rate limit.
 */
import type { MiddlewareHandler } from 'hono';
import { securityFromVars, type SecurityConfig } from '../config.ts';
import type { PinfaceEnv, StoreProvider } from '../env.ts';
import { PinfaceError } from '../errors.ts';
import { authenticateKey, checkAdminToken } from './keys.ts';
import { tokenBucket, type RateLimiter, type RateLimitSettings } from './rate-limit.ts';

export const PUBLIC_PATHS = new Set(['/v1/health', '/v1/info', '/v1/openapi.json']);
export const OPEN_TENANT = 'open';

/** Picks the limiter for a request: the adapter's (e.g. the Workers binding) or one token bucket per settings. */
export type RateLimiterProvider = (bindings: PinfaceEnv['Bindings'], settings: RateLimitSettings) => RateLimiter | undefined;

export function guard(config: SecurityConfig, store: StoreProvider, rateLimiter?: RateLimiterProvider): MiddlewareHandler<PinfaceEnv> {
  const buckets = new Map<string, RateLimiter>();
  const bucketFor = (s: RateLimitSettings): RateLimiter => {
    const id = `${s.perMinute}/${s.burst}`;
    let b = buckets.get(id);
    if (!b) buckets.set(id, (b = tokenBucket(s)));
    return b;
  };
  return async (c, next) => {
    if (PUBLIC_PATHS.has(c.req.path)) return next();
    const security = securityFromVars(config, c.env);
    c.set('store', await store(c.env));
    const authorization = c.req.header('authorization');
    if (c.req.path.startsWith('/v1/admin/')) {
      await checkAdminToken(security.adminToken, authorization);
      c.set('keyId', null);
      return next();
    }
    if (security.auth === 'open') {
      c.set('tenant', OPEN_TENANT);
      c.set('keyId', null);
      return next();
    }
    const key = await authenticateKey(c.var.store, authorization);
    const limited = await (rateLimiter?.(c.env, security.rateLimit) ?? bucketFor(security.rateLimit)).take(key.id);
    if (!limited.ok) {
      throw new PinfaceError('rate_limited', `[pinface] [auth] This API key sent more than ${security.rateLimit.perMinute} requests per minute. Retry after ${limited.retryAfter} s.`, {
        headers: { 'retry-after': String(limited.retryAfter) }, extra: { retryAfter: limited.retryAfter },
      });
    }
    c.set('tenant', key.tenant);
    c.set('keyId', key.id);
    return next();
  };
}
