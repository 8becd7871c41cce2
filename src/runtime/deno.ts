/**
 * @module Deno adapter: `deno serve --allow-read --allow-env src/runtime/deno.ts`.
 * The default export is the `deno serve` contract ({ fetch }).
 */
import { createApp } from '../app.ts';
import { fileAssets } from './files.ts';

// The subset of the Deno namespace this adapter uses (hono keeps Deno behind its adapter the same way).
declare const Deno: { readFile(path: URL): Promise<Uint8Array<ArrayBuffer>>; version: { deno: string } };

const app = createApp(fileAssets((url) => Deno.readFile(url)), { runtime: `deno ${Deno.version.deno}` });

export default { fetch: app.fetch };
