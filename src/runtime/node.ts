/**
 * @module Node adapter. Subjects live in memory here (Node has no storage of its own at the
 * edge; pass `store` for another driver). Nothing is built at import.
 */
import { readFile } from 'node:fs/promises';
import { createApp, type AppOptions } from '../app.ts';
import { fileAssets } from './files.ts';

export const createNodeApp = (options: AppOptions = {}) =>
  createApp(fileAssets(async (url) => new Uint8Array(await readFile(url))), { runtime: `node ${process.version}`, ...options });
