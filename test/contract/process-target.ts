/** Runs a server as a child process (deno serve, wrangler dev) and waits until it answers. */
import { spawn, type ChildProcess } from 'node:child_process';
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

export async function startServer(cmd: string, args: string[], port: number, env: Record<string, string> = {}, timeoutMs = 150_000): Promise<ServerProcess> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...env }, detached: true });
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
      if ((await fetch(`${url}/v1/health`)).ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      await stopGroup(child);
      throw new Error(`${cmd} did not answer within ${timeoutMs} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, child, output: () => log, fetch: (path, init) => fetch(`${url}${path}`, init), stop: () => stopGroup(child) };
}
