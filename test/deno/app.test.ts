/** The contract inside the real Deno binary (npm package `deno`), through `deno serve`. */
import { afterAll, beforeAll } from 'vitest';
import { appContract } from '../contract/app-contract.ts';
import { freePort, startServer, type ServerProcess } from '../contract/process-target.ts';

let server: ServerProcess;
beforeAll(async () => {
  const port = await freePort();
  server = await startServer('node_modules/.bin/deno', ['serve', '--quiet', '--host', '127.0.0.1', '--port', String(port), '--allow-read', '--allow-env', '--allow-net=127.0.0.1', 'src/runtime/deno.ts'], port);
});
afterAll(() => server?.stop());

appContract('deno', () => server);
