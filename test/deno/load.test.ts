/** The short load run (npm run load sends 200 per level) against the real `deno serve` with Deno KV, open mode. */
import { afterAll, beforeAll, it } from 'vitest';
import { startDeno, type ServerProcess } from '../contract/process-target.ts';
import { expectCleanLoad } from '../helpers/load.ts';

let server: ServerProcess;
beforeAll(async () => {
  server = await startDeno({ PINFACE_AUTH: 'open' });
});
afterAll(() => server?.stop());

it('serves verify and subject verify at concurrency 1, 8 and 32 without an error, and loses no template under racing enrolments', () =>
  expectCleanLoad({ url: server.url, pid: server.child.pid as number, command: 'deno', requests: 32, concurrencies: [1, 8, 32], enrolments: 12 }), 300_000);
