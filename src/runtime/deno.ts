/**
 * @module Deno adapter. Subjects live in Deno KV, a local SQLite file (PINFACE_KV_PATH, default
 * .pinface/kv.sqlite3) unless a KV URL or a store is given. Nothing is built at import.
 */
import { createApp, type AppOptions } from '../app.ts';
import { varsFrom, type PinfaceVars } from '../config.ts';
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

/** The deployment variables from the environment, to pass as `app.fetch(req, denoVars())`. */
export const denoVars = (): PinfaceVars => varsFrom((name) => Deno.env.get(name));

/** Deno KV at PINFACE_KV_PATH, opened on first use. */
export function denoKvFileStore(): () => Promise<Store> {
  let kv: Promise<Store> | undefined;
  return () => (kv ??= (async () => {
    const path = Deno.env.get('PINFACE_KV_PATH') ?? '.pinface/kv.sqlite3';
    if (!/^https?:/.test(path) && path.includes('/')) await Deno.mkdir(path.slice(0, path.lastIndexOf('/')), { recursive: true });
    return denoKvStore(await Deno.openKv(path));
  })());
}

export const createDenoApp = (options: AppOptions = {}) =>
  createApp(fileAssets((url) => Deno.readFile(url)), { runtime: `deno ${Deno.version.deno}`, store: denoKvFileStore(), ...options });
