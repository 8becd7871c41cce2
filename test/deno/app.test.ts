/** The contracts inside the real Deno binary (npm package `deno`), through `deno serve`, subjects in Deno KV. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { TEST_ADMIN_TOKEN, appContract } from '../contract/app-contract.ts';
import { freePort, startServer, type ServerProcess } from '../contract/process-target.ts';
import { subjectsContract } from '../contract/subjects-contract.ts';

const corsOrigin = 'https://app.example';
const state = mkdtempSync(join(tmpdir(), 'pinface-deno-'));
let server: ServerProcess;
beforeAll(async () => {
  const port = await freePort();
  server = await startServer('node_modules/.bin/deno', [
    'serve', '--quiet', '--unstable-kv', '--host', '127.0.0.1', '--port', String(port), '--allow-read', `--allow-write=${state}`, '--allow-env', '--allow-net=127.0.0.1', 'src/runtime/deno.ts',
  ], port, { PINFACE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, PINFACE_CORS_ORIGINS: corsOrigin, PINFACE_RATE_LIMIT: '240', PINFACE_KV_PATH: join(state, 'kv.sqlite3') });
});
afterAll(async () => {
  await server?.stop();
  rmSync(state, { recursive: true, force: true });
});

appContract('deno', () => server);
subjectsContract('deno', () => server, { rateLimitBurst: 60, corsOrigin });
