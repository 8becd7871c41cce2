/**
 * @module Deno adapter: `deno serve --unstable-kv --allow-read --allow-write --allow-env src/runtime/deno.ts`.
 * The default export is the `deno serve` contract ({ fetch }). Subjects live in Deno KV, a local
 * SQLite file (PINFACE_KV_PATH, default .pinface/kv.sqlite3) unless a KV URL is given.
 */
import { createApp } from '../app.ts';
import { varsFrom } from '../config.ts';
import { denoKvStore, type KvLike } from '../store/deno-kv.ts';
import type { Store } from '../store/types.ts';
import { fileAssets } from './files.ts';

// The subset of the Deno namespace this adapter uses (hono keeps Deno behind its adapter the same way).
declare const Deno: {
  readFile(path: URL): Promise<Uint8Array<ArrayBuffer>>;
  mkdir(path: string, options: { recursive: boolean }): Promise<void>;
  openKv(path?: string): Promise<KvLike>;
  env: { get(name: string): string | undefined };
  version: { deno: string };
};

const vars = varsFrom((name) => Deno.env.get(name));

let kv: Promise<Store> | undefined;
const store = (): Promise<Store> => (kv ??= (async () => {
  const path = Deno.env.get('PINFACE_KV_PATH') ?? '.pinface/kv.sqlite3';
  if (!/^https?:/.test(path) && path.includes('/')) await Deno.mkdir(path.slice(0, path.lastIndexOf('/')), { recursive: true });
  return denoKvStore(await Deno.openKv(path));
})());

const app = createApp(fileAssets((url) => Deno.readFile(url)), { runtime: `deno ${Deno.version.deno}`, store });

export default { fetch: (req: Request) => app.fetch(req, vars) };
