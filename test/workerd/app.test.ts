/**
 * The contracts inside workerd, through `wrangler dev` on the real wrangler.toml (local, no
 * account): D1 with the schema applied by wrangler's migrations, the rate-limit binding.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { TEST_ADMIN_TOKEN, appContract } from '../contract/app-contract.ts';
import { freePort, startServer, type ServerProcess } from '../contract/process-target.ts';
import { subjectsContract } from '../contract/subjects-contract.ts';

const corsOrigin = 'https://app.example';
const state = mkdtempSync(join(tmpdir(), 'pinface-workerd-'));
let server: ServerProcess;
beforeAll(async () => {
  execFileSync('node_modules/.bin/wrangler', ['d1', 'migrations', 'apply', 'pinface', '--local', '--persist-to', state], { env: { ...process.env, CI: '1' }, stdio: 'pipe' });
  const port = await freePort();
  server = await startServer('node_modules/.bin/wrangler', [
    'dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', '0', '--log-level', 'warn', '--show-interactive-dev-session=false',
    '--persist-to', state, '--var', `PINFACE_ADMIN_TOKEN:${TEST_ADMIN_TOKEN}`, '--var', `PINFACE_CORS_ORIGINS:${corsOrigin}`,
  ], port);
});
afterAll(async () => {
  await server?.stop();
  rmSync(state, { recursive: true, force: true });
});

appContract('workerd', () => server);
// The [[ratelimits]] binding in wrangler.toml allows 120 requests per 60 s per key.
subjectsContract('workerd', () => server, { rateLimitBurst: 120, corsOrigin });
