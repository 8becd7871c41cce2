/**
 * The store driver suite on D1 inside workerd (Miniflare's real local D1, SQLite), with the
 * schema applied by wrangler's own migration command, as `npm start` does.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { d1Store, type D1Like } from '../../src/store/d1.ts';
import type { Store } from '../../src/store/types.ts';
import { storeCases } from '../contract/store-contract.ts';

let dir: string;
let mf: Miniflare;
let store: Store;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pinface-d1-'));
  execFileSync('node_modules/.bin/wrangler', ['d1', 'migrations', 'apply', 'pinface', '--local', '--persist-to', dir], {
    env: { ...process.env, CI: '1', NO_COLOR: '1', WRANGLER_SEND_METRICS: 'false' }, stdio: 'pipe',
  });
  mf = new Miniflare({
    modules: true, script: 'export default { fetch: () => new Response(null, { status: 204 }) };',
    d1Databases: { DB: '00000000-0000-0000-0000-000000000000' }, d1Persist: join(dir, 'v3', 'd1'),
  });
  // The proxy has D1's API; the driver asks for nothing more than D1Like.
  store = d1Store((await mf.getD1Database('DB')) as unknown as D1Like);
});
afterAll(async () => {
  await mf?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('store driver: d1 (miniflare)', () => {
  for (const c of storeCases) it(c.name, () => c.run(store));
});
