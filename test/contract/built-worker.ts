/**
 * The deployable bundle (`wrangler deploy --dry-run`) served by workerd through Miniflare, with
 * local D1 migrated by wrangler. No wrangler dev proxy in front: under 32 concurrent uploads that
 * proxy answers some requests 503 "Your worker restarted mid-request" although workerd keeps
 * serving (README, load), so load is measured on the bundle itself.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import type { ServerProcess } from './process-target.ts';

export interface BuiltWorker extends Omit<ServerProcess, 'child' | 'output'> {
  /** The process workerd runs under (this one: Miniflare spawns it as a child). */
  rootPid: number;
  /** The bundle served (removed by stop when this call built it). */
  dist: string;
  /** Milliseconds from `new Miniflare` to ready (workerd started, the worker's modules evaluated). */
  startMs: number;
}

export interface BuiltWorkerOptions {
  /** Reuse a bundle already built (by an earlier startBuiltWorker's `dist`) instead of building again. */
  dist?: string;
  /** Chrome DevTools inspector port for the worker isolate (memory readings). */
  inspectorPort?: number;
}

export async function startBuiltWorker(vars: Record<string, string> = {}, options: BuiltWorkerOptions = {}): Promise<BuiltWorker> {
  const dir = mkdtempSync(join(tmpdir(), 'pinface-built-'));
  const dist = options.dist ?? join(dir, 'dist'), state = join(dir, 'state');
  const env = { ...process.env, CI: '1', NO_COLOR: '1' };
  if (!options.dist) execFileSync('node_modules/.bin/wrangler', ['deploy', '--dry-run', '--outdir', dist], { env, stdio: 'pipe' });
  execFileSync('node_modules/.bin/wrangler', ['d1', 'migrations', 'apply', 'pinface', '--local', '--persist-to', state], { env, stdio: 'pipe' });
  // Modules listed one by one: Miniflare's own module walk stops at onnxruntime's dynamic import().
  // The entry module goes first.
  const files = readdirSync(dist).filter((f) => /\.(js|wasm|bin|onnx)$/.test(f)).sort((a, b) => Number(b.endsWith('.js')) - Number(a.endsWith('.js')));
  const compatibilityDate = /^compatibility_date = "(.+)"$/m.exec(readFileSync('wrangler.toml', 'utf8'))?.[1];
  const t0 = performance.now();
  const mf = new Miniflare({
    modulesRoot: dist,
    modules: files.map((f) => ({ type: f.endsWith('.js') ? 'ESModule' as const : f.endsWith('.wasm') ? 'CompiledWasm' as const : 'Data' as const, path: join(dist, f) })),
    compatibilityDate, bindings: vars,
    d1Databases: { DB: '00000000-0000-0000-0000-000000000000' }, d1Persist: join(state, 'v3', 'd1'),
    host: '127.0.0.1', port: 0, ...(options.inspectorPort ? { inspectorPort: options.inspectorPort } : {}),
  });
  const url = (await mf.ready).toString().replace(/\/$/, '');
  const startMs = performance.now() - t0;
  return {
    url, rootPid: process.pid, dist, startMs,
    fetch: (path, init) => fetch(`${url}${path}`, init),
    async stop() {
      await mf.dispose();
      rmSync(dir, { recursive: true, force: true }); // a bundle passed in lives elsewhere: the caller's
    },
  };
}
