/**
 * @module Node adapter. Subjects live in memory here (Node has no storage of its own at the
 * edge; pass `store` for another driver). Nothing is built at import.
 */
import { readFile } from 'node:fs/promises';
import { serve as serveNode } from '@hono/node-server';
import { createApp, type AppOptions } from '../app.ts';
import { varsFrom } from '../config.ts';
import { fileAssets } from './files.ts';

export const createNodeApp = (options: AppOptions = {}) =>
  createApp(fileAssets(async (url) => new Uint8Array(await readFile(url))), { runtime: `node ${process.version}`, ...options });

/** Serves one app on 127.0.0.1 with the deployment variables from process.env. */
export function serve(port = Number(process.env.PORT ?? 8787), hostname = '127.0.0.1') {
  const app = createNodeApp();
  const vars = varsFrom((name) => process.env[name]);
  return serveNode({ fetch: (req) => app.fetch(req, vars), port, hostname }, (info) => console.log(`[pinface] listening on http://${hostname}:${info.port}`));
}
