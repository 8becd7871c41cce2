/**
 * The short fuzz and load runs (npm run fuzz sends 10,000 bodies, npm run load 200 requests per
 * level) against one real worker in workerd, open mode, local D1.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fuzzHttp } from '../../scripts/lib/fuzz-http.ts';
import { fuzzSeeds } from '../../scripts/lib/fuzz-seeds.ts';
import { runLoad } from '../../scripts/lib/load.ts';
import { startWorkerd, type ServerProcess } from '../contract/process-target.ts';

const face = (name: string): Uint8Array<ArrayBuffer> => new Uint8Array(readFileSync(new URL(`../fixtures/faces/${name}`, import.meta.url)));

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

it('serves verify and subject verify at concurrency 1, 8 and 32 without an error, and loses no template under racing enrolments', async () => {
  const report = await runLoad({
    url: server.url, pid: server.child.pid as number, faces: { a1: face('person-a-1.jpg'), a2: face('person-a-2.jpg') },
    requests: 32, concurrencies: [1, 8, 32], enrolments: 12,
  });
  expect(report.levels).toHaveLength(6);
  for (const l of report.levels) {
    expect(l, `${l.endpoint} at ${l.concurrency}`).toMatchObject({ requests: 32, ok: 32, errors: 0 });
    expect(l.p99).toBeGreaterThanOrEqual(l.p50);
  }
  expect(report.integrity.enrolled).toBe(12);
  expect(report.integrity.verified).toBe(12);
  expect(report.integrity.missing).toEqual([]);
  expect(report.integrity.templatesAfter).toBe(report.integrity.templatesBefore + 12);
  expect(report.workerdPeakMb).toBeGreaterThan(0);
}, 300_000);
