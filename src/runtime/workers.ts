/**
 * @module Cloudflare Workers adapter: wasm arrives as compiled modules through static imports
 * and models as ArrayBuffers (workers-assets.ts), so nothing is compiled or fetched at run time.
 * Subjects live in D1 (binding DB); keys are rate limited by the RATE_LIMITER binding and verify
 * attempts per subject by SUBJECT_RATE_LIMITER, where the deployment has them (wrangler.toml); a
 * token bucket per isolate otherwise. Nothing is built at import: call the factory.
 */
import space from '../../models/immune-space.bin';
import selector from '../../models/pin-selector.bin';
import { createApp, type AppOptions } from '../app.ts';
import { workersLimits } from '../config.ts';
import { workersRateLimiter, type WorkersRateLimit } from '../security/rate-limit.ts';
import { d1Store, type D1Like } from '../store/d1.ts';
import { workersAssets } from './workers-assets.ts';

/** The period of both [[ratelimits]] bindings in wrangler.toml: the Retry-After they answer. */
const RATE_LIMIT_PERIOD_S = 60;

/**
 * @example
 * import { Hono } from 'hono';
 * const host = new Hono();
 * host.route('/face', createWorkersApp());
 * export default host;
 */
export function createWorkersApp(options: AppOptions = {}) {
  return createApp({ ...workersAssets, space: new Uint8Array(space), selector: new Uint8Array(selector), releaseAfterLoad: true }, {
    runtime: 'workerd',
    store: (env) => d1Store(env.DB as D1Like | undefined),
    rateLimiter: (env, _settings, scope) => {
      const binding = scope === 'key' ? env.RATE_LIMITER : env.SUBJECT_RATE_LIMITER;
      return binding ? workersRateLimiter(binding as WorkersRateLimit, RATE_LIMIT_PERIOD_S) : undefined;
    },
    ...options,
    limits: { ...workersLimits, ...options.limits },
  });
}
