/** Runs a server as a child process (deno serve, wrangler dev, node) and waits until it answers. */
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

export async function startServer(cmd: string, args: string[], port: number, timeoutMs = 120_000): Promise<ServerProcess> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' }, detached: true });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => { log += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { log += d.toString(); });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${cmd} exited ${child.exitCode}:\n${log}`);
    try {
      const res = await fetch(`${url}/v1/health`);
      if (res.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) { process.kill(-(child.pid as number), 'SIGKILL'); throw new Error(`${cmd} did not answer within ${timeoutMs} ms:\n${log}`); }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url, child, output: () => log,
    fetch: (path, init) => fetch(`${url}${path}`, init),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(-(child.pid as number), 'SIGTERM'); // the whole group: wrangler starts workerd as a child
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) process.kill(-(child.pid as number), 'SIGKILL');
    },
  };
}
