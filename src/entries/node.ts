/**
 * @module The repository's own Node server: `npx tsx src/entries/node.ts` serves the API and the
 * demo page on PORT (default 8787), with the deployment variables from process.env.
 */
import { serve } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { varsFrom } from '../config.ts';
import { createNodeApp } from '../runtime/node.ts';
import { demoHost } from './demo-host.ts';

const host = demoHost(createNodeApp(), serveStatic({ root: 'public' }));
const vars = varsFrom((name) => process.env[name]);
const port = Number(process.env.PORT ?? 8787), hostname = process.env.HOST ?? '127.0.0.1';
serve({ fetch: (req) => host.fetch(req, vars), port, hostname }, (info) => console.log(`[pinface] listening on http://${hostname}:${info.port}`));
