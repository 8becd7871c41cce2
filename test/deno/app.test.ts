/** The contracts inside the real Deno binary (npm package `deno`), through `deno serve`, subjects in Deno KV; the Deno adapter's app mounted in a host app (test/deno/mount-server.ts). */
import { afterAll, beforeAll } from 'vitest';
import { TEST_ADMIN_TOKEN, appContract } from '../contract/app-contract.ts';
import { mountContract } from '../contract/mount-contract.ts';
import { startDeno, type ServerProcess } from '../contract/process-target.ts';
import { subjectsContract } from '../contract/subjects-contract.ts';

const corsOrigin = 'https://app.example';
let server: ServerProcess;
beforeAll(async () => {
  server = await startDeno({ PINFACE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, PINFACE_CORS_ORIGINS: corsOrigin, PINFACE_RATE_LIMIT: '240', PINFACE_ALLOW_OPTIONS: 'all' }, 'test/deno/mount-server.ts');
});
afterAll(() => server?.stop());

appContract('deno', () => server);
subjectsContract('deno', () => server, { rateLimitBurst: 60, corsOrigin });
mountContract('deno', () => server, { storageFromBindings: false });
