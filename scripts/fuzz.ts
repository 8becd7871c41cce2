/**
 * @module npm run fuzz — `npm run fuzz -- [--count 10000] [--seed 1] [--concurrency 4] [--max-seconds 1200]`
 *
 * Starts the real worker in workerd (wrangler dev, open mode, local) and sends `count` mutated
 * JPEG/PNG/WebP bodies through /v1/embed and /v1/verify. Prints the outcome mix, latency and
 * every contract violation; failing inputs are saved under .cache/fuzz-failures/ (never
 * committed) for replay. Exits 1 on any violation or if the server is unhealthy afterwards.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startWorkerd } from '../test/contract/process-target.ts';
import { fuzzHttp, type FuzzReport } from './lib/fuzz-http.ts';
import { fuzzSeeds } from './lib/fuzz-seeds.ts';
import { progress } from './lib/progress.ts';

const { values: args } = parseArgs({ options: {
  count: { type: 'string', default: '10000' }, seed: { type: 'string', default: '1' },
  concurrency: { type: 'string', default: '4' }, 'max-seconds': { type: 'string', default: '1200' },
} });
const log = (m: string): void => console.error(`[pinface] [fuzz] ${m}`);

const { seeds, partner } = await fuzzSeeds();
log('starting wrangler dev (workerd)');
const server = await startWorkerd({ vars: { PINFACE_AUTH: 'open' } });
const count = Number(args.count);
const bar = progress('fuzz', count);
let report: FuzzReport;
try {
  report = await fuzzHttp({
    url: server.url, seeds, partner, count, seed: Number(args.seed), concurrency: Number(args.concurrency),
    maxSeconds: Number(args['max-seconds']), onProgress: () => bar.tick(),
  });
} finally {
  bar.done();
  await server.stop();
}
const dir = join('.cache', 'fuzz-failures');
mkdirSync(dir, { recursive: true });
for (const f of [...report.failures, ...report.slowest]) writeFileSync(join(dir, `${f.sha256}.bin`), f.bytes);

console.log(`bodies sent: ${report.sent} of ${count} in ${report.seconds.toFixed(1)} s (${(report.sent / report.seconds).toFixed(1)}/s, concurrency ${args.concurrency})`);
console.log(`latency: p50 ${report.latencyMs.p50.toFixed(1)} ms, p99 ${report.latencyMs.p99.toFixed(1)} ms, max ${report.latencyMs.max.toFixed(1)} ms`);
console.log('outcomes:');
for (const [k, v] of Object.entries(report.byOutcome).sort((a, b) => b[1] - a[1])) console.log(`  ${k.padEnd(32)} ${v}`);
console.log(`contract violations (5xx, non-problem 4xx, bad 200, no answer): ${report.failures.length}`);
for (const f of report.failures.slice(0, 20)) console.log(`  #${f.index} ${f.endpoint} ${f.status ?? '-'}: ${f.detail} [${f.applied.join('+')}] ${dir}/${f.sha256}.bin`);
console.log('slowest answers:');
for (const s of report.slowest) console.log(`  ${s.ms.toFixed(0)} ms #${s.index} ${s.endpoint} -> ${s.status ?? '-'} [${s.applied.join('+')}] ${dir}/${s.sha256}.bin`);
console.log(`server healthy afterwards: ${report.healthyAfter}`);
if (report.sent < count) console.log(`stopped early at --max-seconds ${args['max-seconds']}`);
process.exit(report.failures.length === 0 && report.healthyAfter ? 0 : 1);
