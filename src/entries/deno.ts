/**
 * @module The repository's own Deno server, the API and the demo page:
 * `deno serve --unstable-kv --allow-read --allow-write=.pinface --allow-env --allow-net src/entries/deno.ts`.
 */
import { serveStatic } from 'hono/deno';
import { createDenoApp, denoVars } from '../runtime/deno.ts';
import { demoHost } from './demo-host.ts';

const host = demoHost(createDenoApp(), serveStatic({ root: 'public' }));
const vars = denoVars();

export default { fetch: (req: Request) => host.fetch(req, vars) };
