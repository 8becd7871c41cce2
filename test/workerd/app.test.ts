/**
 * The contracts inside workerd, through `wrangler dev` on the real wrangler.toml (local, no
 * account): D1 with the schema applied by wrangler's migrations, the rate-limit binding. The
 * Worker is the Workers adapter's app mounted in a host app (test/workerd/mount-worker.ts).
 */
import { afterAll, beforeAll } from 'vitest';
import { TEST_ADMIN_TOKEN, appContract } from '../contract/app-contract.ts';
import { mountContract } from '../contract/mount-contract.ts';
import { startWorkerd, type ServerProcess } from '../contract/process-target.ts';
import { subjectsContract } from '../contract/subjects-contract.ts';

const corsOrigin = 'https://app.example';
let server: ServerProcess;
beforeAll(async () => {
  server = await startWorkerd({
    vars: { PINFACE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, PINFACE_CORS_ORIGINS: corsOrigin, PINFACE_ALLOW_OPTIONS: 'all' },
    script: 'test/workerd/mount-worker.ts',
  });
});
afterAll(() => server?.stop());

appContract('workerd', () => server);
// The [[ratelimits]] binding in wrangler.toml allows 120 requests per 60 s per key, counted by
// Miniflare in fixed 60 s windows.
subjectsContract('workerd', () => server, { rateLimitBurst: 120, corsOrigin, rateLimitWindowS: 60 });
mountContract('workerd', () => server, { storageFromBindings: true });
