/**
 * The contracts inside workerd, through `wrangler dev` on the real wrangler.toml (local, no
 * account): D1 with the schema applied by wrangler's migrations, the rate-limit binding.
 */
import { afterAll, beforeAll } from 'vitest';
import { TEST_ADMIN_TOKEN, appContract } from '../contract/app-contract.ts';
import { startWorkerd, type ServerProcess } from '../contract/process-target.ts';
import { subjectsContract } from '../contract/subjects-contract.ts';

const corsOrigin = 'https://app.example';
let server: ServerProcess;
beforeAll(async () => {
  server = await startWorkerd({ vars: { PINFACE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, PINFACE_CORS_ORIGINS: corsOrigin } });
});
afterAll(() => server?.stop());

appContract('workerd', () => server);
// The [[ratelimits]] binding in wrangler.toml allows 120 requests per 60 s per key.
subjectsContract('workerd', () => server, { rateLimitBurst: 120, corsOrigin });
