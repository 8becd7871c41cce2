/** @module App: the Hono application, runtime-agnostic; adapters in src/runtime/ hand it its assets, storage and limiter. */
import { OpenAPIHono } from '@hono/zod-openapi';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import { assertCalibrated } from './calibration.ts';
import { resolveConfig, securityFromVars, type ConfigInput } from './config.ts';
import { engineLoader } from './engine.ts';
import type { PinfaceEnv, StoreProvider } from './env.ts';
import { PinfaceError, fromHttpStatus, isPinfaceError } from './errors.ts';
import type { AssetsInput } from './runtime/assets.ts';
import { registerFaceRoutes } from './routes/faces.ts';
import { registerKeyRoutes } from './routes/keys.ts';
import { registerMetaRoutes } from './routes/meta.ts';
import { registerSubjectRoutes } from './routes/subjects.ts';
import { routeAuth, type RateLimiterProvider } from './security/auth.ts';
import { memoryStore } from './store/memory.ts';

export interface AppOptions extends ConfigInput {
  /** Reported by /v1/info: "workerd", "deno", "node". */
  runtime?: string;
  /** Where subjects, templates and keys live; default: one in-memory store per app (lost on restart). */
  store?: StoreProvider;
  /** The rate limiter for a request and scope (API key, or verify attempts per subject); default: a token bucket per isolate. */
  rateLimiter?: RateLimiterProvider;
}

/**
 * @example
 * const app = createApp(assets, { runtime: 'node' });
 * const res = await app.request('/v1/health');
 */
export function createApp(assets: AssetsInput, options: AppOptions = {}): OpenAPIHono<PinfaceEnv> {
  const config = resolveConfig(options);
  assertCalibrated(config);
  const app = new OpenAPIHono<PinfaceEnv>();
  const fallbackStore = memoryStore();
  app.use('*', secureHeaders({ crossOriginResourcePolicy: 'same-site' }));
  app.use('*', async (c, next) => {
    const origins = securityFromVars(config.security, c.env).corsOrigins;
    if (origins.length === 0) return next();
    return cors({ origin: origins.includes('*') ? '*' : origins, allowHeaders: ['authorization', 'content-type'], maxAge: 600 })(c, next);
  });
  // Each route names its own auth (public, tenant key, admin token): nothing here depends on where the app is mounted.
  const auth = routeAuth(config.security, options.store ?? (() => fallbackStore), options.rateLimiter);
  registerMetaRoutes(app, config, options.runtime ?? 'unknown');
  const engine = engineLoader(assets, config);
  registerFaceRoutes(app, engine, config, auth);
  registerSubjectRoutes(app, engine, config, auth);
  registerKeyRoutes(app, auth);
  app.notFound(() => new PinfaceError('not_found', '[pinface] No such route. See /v1/openapi.json.').getResponse());
  app.onError((err) => {
    if (isPinfaceError(err)) return err.getResponse();
    if (err instanceof HTTPException && err.status < 500) {
      const passed = err.getResponse().headers;
      const headers = Object.fromEntries(['www-authenticate', 'retry-after'].flatMap((h) => { const v = passed.get(h); return v === null ? [] : [[h, v]]; }));
      return fromHttpStatus(err.status, err.message || 'The request was rejected.', { cause: err, headers }).getResponse();
    }
    // Only the error's name and message: request content never reaches logs.
    console.error(`[pinface] internal error: ${err.name}: ${err.message}`);
    return new PinfaceError('internal', '[pinface] Internal error. The request was not processed; retry, and report if it persists.').getResponse();
  });
  return app;
}
