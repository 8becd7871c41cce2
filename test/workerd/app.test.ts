/** The contract inside workerd, through `wrangler dev` on the real wrangler.toml (local, no account). */
import { afterAll, beforeAll } from 'vitest';
import { appContract } from '../contract/app-contract.ts';
import { freePort, startServer, type ServerProcess } from '../contract/process-target.ts';

let server: ServerProcess;
beforeAll(async () => {
  const port = await freePort();
  server = await startServer('node_modules/.bin/wrangler', ['dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', '0', '--log-level', 'warn', '--show-interactive-dev-session=false'], port);
});
afterAll(() => server?.stop());

appContract('workerd', () => server);
