/**
 * @module Node adapter: `node --import tsx src/runtime/node.ts` serves on PORT (default 8787).
 * Importing it only builds the app; `serve` starts listening.
 */
import { readFile } from 'node:fs/promises';
import { serve as serveNode } from '@hono/node-server';
import { createApp, type AppOptions } from '../app.ts';
import { fileAssets } from './files.ts';

export const createNodeApp = (options: AppOptions = {}) =>
  createApp(fileAssets(async (url) => new Uint8Array(await readFile(url))), { runtime: `node ${process.version}`, ...options });

export function serve(port = Number(process.env.PORT ?? 8787), hostname = '127.0.0.1') {
  const app = createNodeApp();
  return serveNode({ fetch: app.fetch, port, hostname }, (info) => console.log(`[pinface] listening on http://${hostname}:${info.port}`));
}

if (import.meta.url === `file://${process.argv[1]}`) serve();
