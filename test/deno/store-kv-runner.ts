/**
 * Runs the store driver suite inside the real Deno binary on Deno KV (a fresh local SQLite
 * file), one JSON line per case: vitest (store-kv.test.ts) reports each as its own test.
 * `deno run --unstable-kv --allow-read --allow-write store-kv-runner.ts <kv file>`
 */
import { denoKvStore, type KvLike } from '../../src/store/deno-kv.ts';
import { storeCases } from '../contract/store-contract.ts';

declare const Deno: { args: string[]; openKv(path: string): Promise<KvLike & { close(): void }> };

const kv = await Deno.openKv(Deno.args[0] as string);
const store = denoKvStore(kv);
for (const c of storeCases) {
  try {
    await c.run(store);
    console.log(JSON.stringify({ name: c.name, ok: true }));
  } catch (e) {
    console.log(JSON.stringify({ name: c.name, ok: false, error: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) }));
  }
}
kv.close();
