/**
 * The short fuzz run (npm run fuzz sends 10,000 bodies) against the real worker under wrangler dev
 * (workerd), open mode, local D1.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fuzzHttp } from '../../scripts/lib/fuzz-http.ts';
import { fuzzSeeds } from '../../scripts/lib/fuzz-seeds.ts';
import { startWorkerd, type ServerProcess } from '../contract/process-target.ts';

let server: ServerProcess;
let fuzz: Awaited<ReturnType<typeof fuzzSeeds>>;
beforeAll(async () => {
  // Seeds first (the large JPEG seeds take seconds to encode): a server started before them would
  // have closed the test's idle keep-alive connection by the first request, as scripts/fuzz.ts avoids too.
  fuzz = await fuzzSeeds();
  server = await startWorkerd({ vars: { PINFACE_AUTH: 'open' } });
});
afterAll(() => server?.stop());

it('answers 300 mutated JPEG/PNG/WebP bodies with a result or a 4xx problem, never a 5xx', async () => {
  const { seeds, partner } = fuzz;
  const report = await fuzzHttp({ url: server.url, seeds, partner, count: 300, seed: 7, concurrency: 4, maxSeconds: 240 });
  expect(report.failures.map((f) => `${f.endpoint} ${f.status}: ${f.detail} [${f.applied.join('+')}]`)).toEqual([]);
  expect(report.sent).toBe(300);
  expect(report.healthyAfter).toBe(true);
  // The mutations must reach past the sniffer: some bodies decode to a face, some fail inside a decoder.
  expect(report.byOutcome['200'] ?? 0).toBeGreaterThan(5);
  expect(report.byOutcome['422 corrupt_image'] ?? 0).toBeGreaterThan(50);
}, 300_000);

