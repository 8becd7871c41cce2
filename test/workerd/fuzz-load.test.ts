/**
 * The short fuzz and load runs (npm run fuzz sends 10,000 bodies, npm run load 200 requests per
 * level) against one real worker in workerd, open mode, local D1.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fuzzHttp } from '../../scripts/lib/fuzz-http.ts';
import { fuzzSeeds } from '../../scripts/lib/fuzz-seeds.ts';
import { startWorkerd, type ServerProcess } from '../contract/process-target.ts';
import { expectCleanLoad } from '../helpers/load.ts';

let server: ServerProcess;
beforeAll(async () => {
  server = await startWorkerd({ vars: { PINFACE_AUTH: 'open' } });
});
afterAll(() => server?.stop());

it('answers 300 mutated JPEG/PNG/WebP bodies with a result or a 4xx problem, never a 5xx', async () => {
  const { seeds, partner } = await fuzzSeeds();
  const report = await fuzzHttp({ url: server.url, seeds, partner, count: 300, seed: 7, concurrency: 4, maxSeconds: 240 });
  expect(report.failures.map((f) => `${f.endpoint} ${f.status}: ${f.detail} [${f.applied.join('+')}]`)).toEqual([]);
  expect(report.sent).toBe(300);
  expect(report.healthyAfter).toBe(true);
  // The mutations must reach past the sniffer: some bodies decode to a face, some fail inside a decoder.
  expect(report.byOutcome['200'] ?? 0).toBeGreaterThan(5);
  expect(report.byOutcome['422 corrupt_image'] ?? 0).toBeGreaterThan(50);
}, 300_000);

// Concurrency 32 and the larger enrolment race run against Deno (test/deno/load.test.ts): under wrangler dev,
// some of 32 concurrent two-image verifications come back 503 from wrangler's dev proxy ("Your worker
// restarted mid-request") while workerd itself keeps running; see the README.
it('serves verify and subject verify at concurrency 1 and 8 without an error, and loses no template under racing enrolments', () =>
  expectCleanLoad({ url: server.url, pid: server.child.pid as number, command: 'workerd', requests: 32, concurrencies: [1, 8], enrolments: 4 }), 300_000);
