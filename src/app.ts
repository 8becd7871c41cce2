/** @module App: the Hono application, runtime-agnostic; adapters in src/runtime/ hand it its assets. */
import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { resolveConfig, type ConfigInput } from './config.ts';
import { engineLoader } from './engine.ts';
import { PinfaceError, isPinfaceError } from './errors.ts';
import type { AssetsInput } from './runtime/assets.ts';
import { registerFaceRoutes } from './routes/faces.ts';
import { registerMetaRoutes } from './routes/meta.ts';

export interface AppOptions extends ConfigInput {
  /** Reported by /v1/info: "workerd", "deno", "node". */
  runtime?: string;
}

/**
 * @example
 * const app = createApp(assets, { runtime: 'node' });
 * const res = await app.request('/v1/health');
 */
export function createApp(assets: AssetsInput, options: AppOptions = {}): OpenAPIHono {
  const config = resolveConfig(options);
  const app = new OpenAPIHono();
  registerMetaRoutes(app, config, options.runtime ?? 'unknown');
  registerFaceRoutes(app, engineLoader(assets, config), config);
  app.notFound(() => new PinfaceError('not_found', '[pinface] No such route. See /v1/openapi.json.').getResponse());
  app.onError((err) => {
    if (isPinfaceError(err)) return err.getResponse();
    if (err instanceof HTTPException && err.status < 500) {
      return new PinfaceError('invalid_parameters', `[pinface] [request] ${err.message}`, { cause: err }).getResponse();
    }
    // Only the error's name and message: request content never reaches logs.
    console.error(`[pinface] internal error: ${err.name}: ${err.message}`);
    return new PinfaceError('internal', '[pinface] Internal error. The request was not processed; retry, and report if it persists.').getResponse();
  });
  return app;
}
