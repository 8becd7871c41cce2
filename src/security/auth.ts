/**
 * @module Auth: the middleware each route names for itself. Admin routes take the operator's
 * token, tenant routes an API key (or open mode's single tenant), public routes nothing. The
 * policy travels with the route, so it holds wherever the app is mounted: at `/`, under
 * `host.route('/face', app)` or a `basePath`. Storage is resolved only by routes that use it.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { securityFromVars, type SecurityConfig } from '../config.ts';
import type { PinfaceEnv, StoreProvider } from '../env.ts';
import { PinfaceError, type ErrorCode } from '../errors.ts';
import type { Store } from '../store/types.ts';
import { authenticateKey, checkAdminToken } from './keys.ts';
import { tokenBucket, type RateLimiter, type RateLimitSettings } from './rate-limit.ts';

export const OPEN_TENANT = 'open';

/** What a limiter counts: requests per API key, or verify attempts per enrolled subject. */
export type RateLimitScope = 'key' | 'subject';

/** Picks the limiter for a request: the adapter's (e.g. a Workers binding) or one token bucket per settings. */
export type RateLimiterProvider = (bindings: PinfaceEnv['Bindings'], settings: RateLimitSettings, scope: RateLimitScope) => RateLimiter | undefined;

export interface RouteAuth {
  /** POST /v1/admin/*: the operator's admin token; no tenant. Sets the store. */
  admin: MiddlewareHandler<PinfaceEnv>;
  /** Face, subject and key routes: an API key fixes the tenant and spends a token of its rate limit; open mode has one tenant. */
  tenant: MiddlewareHandler<PinfaceEnv>;
  /** Routes that read or write storage; after `tenant` or `admin`, which may have resolved it already. */
  store: MiddlewareHandler<PinfaceEnv>;
  /** Spends one of a subject's verify attempts (after `tenant`), or answers 429 `subject_rate_limited`; open mode has no limit. */
  subjectAttempt(c: Context<PinfaceEnv>, subjectId: string): Promise<void>;
}

export function routeAuth(config: SecurityConfig, provideStore: StoreProvider, rateLimiter?: RateLimiterProvider): RouteAuth {
  const buckets = new Map<string, RateLimiter>();
  const bucketFor = (s: RateLimitSettings, scope: RateLimitScope): RateLimiter => {
    const id = `${scope}:${s.perMinute}/${s.burst}`;
    let b = buckets.get(id);
    if (!b) buckets.set(id, (b = tokenBucket(s)));
    return b;
  };
  /** Spends one token of `id` in its scope's limiter, or throws `code` (429) with Retry-After and the detail `refused` gives. */
  const spend = async (c: Context<PinfaceEnv>, s: RateLimitSettings, scope: RateLimitScope, id: string, code: ErrorCode, refused: (retryAfter: number) => string): Promise<void> => {
    const limited = await (rateLimiter?.(c.env, s, scope) ?? bucketFor(s, scope)).take(id);
    if (!limited.ok) {
      throw new PinfaceError(code, refused(limited.retryAfter), { headers: { 'retry-after': String(limited.retryAfter) }, extra: { retryAfter: limited.retryAfter } });
    }
  };
  const storeOf = async (c: Context<PinfaceEnv>): Promise<Store> => {
    const known = c.get('store') as Store | undefined;
    if (known) return known;
    const s = await provideStore(c.env);
    c.set('store', s);
    return s;
  };

  return {
    admin: async (c, next) => {
      await checkAdminToken(securityFromVars(config, c.env).adminToken, c.req.header('authorization'));
      c.set('keyId', null);
      await storeOf(c);
      return next();
    },
    tenant: async (c, next) => {
      const security = securityFromVars(config, c.env);
      if (security.auth === 'open') {
        c.set('tenant', OPEN_TENANT);
        c.set('keyId', null);
        return next();
      }
      const key = await authenticateKey(await storeOf(c), c.req.header('authorization'));
      await spend(c, security.rateLimit, 'key', key.id, 'rate_limited',
        (after) => `[pinface] [auth] This API key sent more than ${security.rateLimit.perMinute} requests per minute. Retry after ${after} s.`);
      c.set('tenant', key.tenant);
      c.set('keyId', key.id);
      return next();
    },
    store: async (c, next) => {
      await storeOf(c);
      return next();
    },
    subjectAttempt: async (c, subjectId) => {
      const security = securityFromVars(config, c.env);
      if (security.auth === 'open') return;
      const s = security.subjectAttempts;
      // Keyed by tenant and subject, not by API key: minting more keys buys an attacker no more tries.
      await spend(c, s, 'subject', `${c.var.tenant}/${subjectId}`, 'subject_rate_limited',
        (after) => `[pinface] [auth] Subject "${subjectId}" has had too many verify attempts (${s.burst} at once, then ${Math.round(s.perMinute * 60)} per hour). Retry after ${after} s.`);
    },
  };
}
