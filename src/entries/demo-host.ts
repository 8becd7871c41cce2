/**
 * @module The repository's own servers outside Workers: the pinface app, and the demo page
 * (public/, as wrangler's assets serve it on Workers) for every other GET. Runtime-agnostic: each
 * entry passes its runtime's static-file middleware.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { PinfaceError } from '../errors.ts';

// biome-ignore lint/suspicious/noExplicitAny: the host only routes to the app, whatever Env it declares.
export function demoHost(app: Hono<any>, serveStatic: MiddlewareHandler): Hono {
  const host = new Hono();
  host.route('/', app);
  host.get('*', serveStatic);
  host.notFound(() => new PinfaceError('not_found', '[pinface] No such route. See /v1/openapi.json.').getResponse());
  return host;
}
