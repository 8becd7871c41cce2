/** The store driver suite on Deno KV, run by the real Deno binary (store-kv-runner.ts). */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeCases } from '../contract/store-contract.ts';

const dir = mkdtempSync(join(tmpdir(), 'pinface-kv-'));
let results = new Map<string, { ok: boolean; error?: string }>();

beforeAll(async () => {
  const { stdout } = await promisify(execFile)('node_modules/.bin/deno', [
    'run', '--quiet', '--unstable-kv', `--allow-read=.,${dir}`, `--allow-write=${dir}`, 'test/deno/store-kv-runner.ts', join(dir, 'kv.sqlite3'),
  ], { env: { ...process.env, NO_COLOR: '1' } });
  results = new Map(stdout.trim().split('\n').map((l) => {
    const r = JSON.parse(l) as { name: string; ok: boolean; error?: string };
    return [r.name, r];
  }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('store driver: deno-kv (deno)', () => {
  for (const c of storeCases) {
    it(c.name, () => {
      const r = results.get(c.name);
      expect(r, 'the case did not run in Deno').toBeDefined();
      expect(r?.ok, r?.error).toBe(true);
    });
  }
});
