/**
 * pinface as other apps install it: `npm pack` (which builds dist/ through prepack's build), then
 * the tarball installed into three fresh projects made here — a Worker (its own wrangler.toml,
 * served by wrangler dev in workerd), a Deno app (the real deno binary, node_modules from npm), a
 * Node app (plain `node`, no tsx) — each mounting pinface under /face in its own Hono app and
 * verifying the fixture pair through it. Nothing of the repository is on their paths.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startServer } from '../contract/process-target.ts';

const repo = resolve(new URL('../..', import.meta.url).pathname);
const bin = (name: string) => join(repo, 'node_modules', '.bin', name);
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string>; devDependencies: Record<string, string> };
const work = mkdtempSync(join(tmpdir(), 'pinface-consumers-'));
let tarball = '';
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * The Worker project brings its own wrangler, as a user's would: the current one where this Node
 * runs it (>= 22.12), else the last line that runs on Node 20 (the repository's own pin).
 */
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const consumerWrangler = major > 22 || (major === 22 && minor >= 12) ? '4.164.0' : (pkg.devDependencies.wrangler as string);

const fixture = (name: string) => readFileSync(join(repo, 'test', 'fixtures', 'faces', name));

/**
 * The README's snippets ("Use it in your own Worker, Deno or Node app"), as written there: the
 * test extracts each from the README, so the README cannot drift from what was run.
 */
const readme = readFileSync(join(repo, 'README.md'), 'utf8');
const snippet = (runtime: string): string => {
  const section = readme.slice(readme.indexOf('## Use it in your own Worker, Deno or Node app'));
  const start = section.indexOf(`**${runtime}**`);
  const code = section.slice(start).match(/```(?:js|ts)\n([\s\S]*?)```/);
  if (start < 0 || !code) throw new Error(`README: no ${runtime} snippet`);
  return code[1] as string;
};

/** The fixture pair through /face/v1/verify of a running consumer, and its health under the prefix. */
async function verifiesThePair(server: { fetch(path: string, init?: RequestInit): Promise<Response> }): Promise<void> {
  const form = new FormData();
  form.append('source', new Blob([fixture('person-a-1.jpg')]), 'a.jpg');
  form.append('target', new Blob([fixture('person-a-2.jpg')]), 'b.jpg');
  const res = await server.fetch('/face/v1/verify', { method: 'POST', body: form });
  const body = (await res.json()) as Record<string, unknown>;
  expect(res.status, JSON.stringify(body)).toBe(200);
  expect(body.match).toBe(true);
  expect((await server.fetch('/face/v1/health')).status).toBe(200);
}

/** A fresh project with pinface from the tarball and its own dependencies from the registry. */
function project(name: string, deps: Record<string, string>, files: Record<string, string>): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `consumer-${name}`, private: true, type: 'module', dependencies: { pinface: `file:${tarball}`, hono: pkg.dependencies.hono, ...deps } }, null, 2));
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: 'pipe', env: { ...process.env, npm_config_update_notifier: 'false' } });
  return dir;
}

describe('pinface installed from its tarball', () => {
  beforeAll(() => {
    const out = execFileSync('npm', ['pack', '--pack-destination', work, '--loglevel=error'], { cwd: repo, stdio: 'pipe', env: { ...process.env, npm_config_update_notifier: 'false' } }).toString();
    tarball = join(work, out.trim().split('\n').pop() as string);
    // The package itself has no install script: consumers' npm has nothing of ours to approve.
    const packed = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json']).toString()) as { scripts?: Record<string, string> };
    for (const hook of ['preinstall', 'install', 'postinstall']) expect(packed.scripts?.[hook], hook).toBeUndefined();
  }, 300_000);

  it('lists dist, types, wasm and models, and no tests or reports', () => {
    const files = execFileSync('tar', ['-tzf', tarball]).toString().split('\n').filter(Boolean);
    for (const f of ['dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/runtime/workers.js', 'dist/src/runtime/node.d.ts', 'dist/wasm/build/kernel.wasm', 'dist/models/immune-space.bin', 'dist/models/manifest.json', 'dist/models/fr_feature_pin.onnx']) {
      expect(files, f).toContain(`package/${f}`);
    }
    expect(files.filter((f) => /^package\/(test|report|eval|scripts|bench|src)\//.test(f))).toEqual([]);
  });

  it('publint and arethetypeswrong find nothing wrong with it (ESM only)', () => {
    execFileSync(bin('publint'), ['run', tarball], { cwd: repo, stdio: 'pipe' });
    execFileSync(bin('attw'), [tarball, '--profile', 'esm-only', '--no-color'], { cwd: repo, stdio: 'pipe' });
  }, 120_000);

  it('Node: the README snippet under plain node mounts it under /face and verifies the pair', async () => {
    const dir = project('node', { '@hono/node-server': pkg.devDependencies['@hono/node-server'] as string }, { 'app.mjs': snippet('Node') });
    const port = await freePort();
    const server = await startServer(process.execPath, ['app.mjs'], port, { PORT: String(port), PINFACE_AUTH: 'open' }, 60_000, '/face/v1/health', dir);
    try { await verifiesThePair(server); } finally { await server.stop(); }
  }, 300_000);

  it('Deno: the README snippet under the deno binary mounts it under /face and verifies the pair', async () => {
    const dir = project('deno', {}, { 'deno.json': JSON.stringify({ nodeModulesDir: 'manual' }), 'main.ts': snippet('Deno') });
    const port = await freePort();
    const server = await startServer(bin('deno'), ['run', '--quiet', '--allow-read', '--allow-env', '--allow-write', '--allow-net', '--unstable-kv', 'main.ts'], port,
      { PORT: String(port), PINFACE_AUTH: 'open', PINFACE_KV_PATH: join(dir, 'kv.sqlite3') }, 60_000, '/face/v1/health', dir);
    try { await verifiesThePair(server); } finally { await server.stop(); }
  }, 300_000);

  it('Worker: the README snippet and rule under wrangler dev mount it under /face and verify the pair', async () => {
    const rule = (readme.match(/```toml\n(\[\[rules\]\][\s\S]*?)```/) as RegExpMatchArray)[1] as string;
    const dir = project('worker', { wrangler: consumerWrangler }, {
      'wrangler.toml': `name = "consumer"\nmain = "worker.js"\ncompatibility_date = "2026-04-01"\n\n${rule}`,
      'worker.js': snippet('Worker'),
    });
    const port = await freePort();
    const server = await startServer(join(dir, 'node_modules', '.bin', 'wrangler'), ['dev', '--config', join(dir, 'wrangler.toml'), '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'warn', '--show-interactive-dev-session=false', '--inspector-port', '0', '--var', 'PINFACE_AUTH:open'], port, {}, 150_000, '/face/v1/health');
    try { await verifiesThePair(server); } finally { await server.stop(); }
  }, 300_000);
});
