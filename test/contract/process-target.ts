/** Runs a server as a child process (deno serve, wrangler dev) and waits until it answers. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import type { ContractTarget } from './app-contract.ts';

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });

export interface ServerProcess extends ContractTarget {
  url: string;
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** Stops the whole process group: wrangler runs workerd as its child. */
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  process.kill(-(child.pid as number), 'SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null && child.signalCode === null) process.kill(-(child.pid as number), 'SIGKILL');
}

/** `healthPath`: what answers once the server is up (a host that mounts pinface elsewhere has it under its prefix). */
export async function startServer(cmd: string, args: string[], port: number, env: Record<string, string> = {}, timeoutMs = 150_000, healthPath = '/v1/health', cwd?: string): Promise<ServerProcess> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...env }, detached: true, ...(cwd ? { cwd } : {}) });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => { log += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { log += d.toString(); });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // wrangler dev keeps running after a failed build (it waits for edits): fail on its message.
    if (child.exitCode !== null || /Build failed|\[ERROR\]/.test(log)) {
      await stopGroup(child);
      throw new Error(`${cmd} failed to start:\n${log}`);
    }
    try {
      if ((await fetch(`${url}${healthPath}`)).ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      await stopGroup(child);
      throw new Error(`${cmd} did not answer within ${timeoutMs} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, child, output: () => log, fetch: (path, init) => fetch(`${url}${path}`, init), stop: () => stopGroup(child) };
}

export interface WorkerdOptions {
  /** Worker variables (--var NAME:value), e.g. PINFACE_AUTH=open or an admin token. */
  vars?: Record<string, string>;
  /** Extra wrangler dev arguments (--config, --inspector-port). */
  args?: string[];
  /** The Worker's entry instead of wrangler.toml's main (bindings and rules stay the config's). */
  script?: string;
}

/**
 * The real worker under `wrangler dev` (workerd), with local D1 in a fresh state folder whose
 * schema is applied by wrangler's own migration command first, as `npm start` does.
 */
export async function startWorkerd(options: WorkerdOptions = {}): Promise<ServerProcess> {
  const state = mkdtempSync(join(tmpdir(), 'pinface-workerd-'));
  const wrangler = 'node_modules/.bin/wrangler';
  const config = options.args?.includes('--config') ? ['--config', options.args[options.args.indexOf('--config') + 1] as string] : [];
  execFileSync(wrangler, ['d1', 'migrations', 'apply', 'pinface', '--local', '--persist-to', state, ...config], { env: { ...process.env, CI: '1' }, stdio: 'pipe' });
  const port = await freePort();
  const server = await startServer(wrangler, [
    'dev', ...(options.script ? [options.script] : []), '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'warn', '--show-interactive-dev-session=false', '--persist-to', state,
    ...(options.args?.includes('--inspector-port') ? [] : ['--inspector-port', '0']),
    ...Object.entries(options.vars ?? {}).flatMap(([k, v]) => ['--var', `${k}:${v}`]),
    ...(options.args ?? []),
  ], port);
  return {
    ...server,
    async stop() {
      await server.stop();
      rmSync(state, { recursive: true, force: true });
    },
  };
}

/** The Deno adapter under the real `deno serve`, with Deno KV in a fresh state folder. */
/** `entry`: the module deno serves (the repository's own server by default). */
export async function startDeno(env: Record<string, string> = {}, entry = 'src/entries/deno.ts'): Promise<ServerProcess> {
  const state = mkdtempSync(join(tmpdir(), 'pinface-deno-'));
  const port = await freePort();
  const server = await startServer('node_modules/.bin/deno', [
    'serve', '--quiet', '--unstable-kv', '--host', '127.0.0.1', '--port', String(port), '--allow-read', `--allow-write=${state}`, '--allow-env', '--allow-net=127.0.0.1', entry,
  ], port, { PINFACE_KV_PATH: join(state, 'kv.sqlite3'), ...env });
  return {
    ...server,
    async stop() {
      await server.stop();
      rmSync(state, { recursive: true, force: true });
    },
  };
}
