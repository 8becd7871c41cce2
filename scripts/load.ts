/**
 * @module npm run load — `npm run load -- [--runtimes workerd,deno] [--requests 200] [--concurrency 1,8,32] [--enrolments 24]`
 *
 * A bounded loopback load test of the real service in workerd (the deployable bundle under
 * Miniflare, local D1; see test/contract/built-worker.ts for why not wrangler dev) and Deno
 * (deno serve, Deno KV), in open mode so the rate limiter does not shape the numbers:
 * /v1/verify and subject verify at each concurrency for a fixed request count (a closed loop of fetch clients,
 * 127.0.0.1 only), then enrolments racing verifications. Prints p50/p99, throughput and the
 * server's memory; exits 1 on any error or lost template.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startBuiltWorker } from '../test/contract/built-worker.ts';
import { startDeno } from '../test/contract/process-target.ts';
import { runLoad, type LoadReport } from './lib/load.ts';

const { values: args } = parseArgs({ options: {
  runtimes: { type: 'string', default: 'workerd,deno' }, requests: { type: 'string', default: '200' },
  concurrency: { type: 'string', default: '1,8,32' }, enrolments: { type: 'string', default: '24' },
} });
const log = (m: string): void => console.error(`[pinface] [load] ${m}`);
const face = (name: string): Uint8Array<ArrayBuffer> => new Uint8Array(readFileSync(new URL(`../test/fixtures/faces/${name}`, import.meta.url)));

let failed = false;
for (const runtime of args.runtimes.split(',') as ('workerd' | 'deno')[]) {
  log(runtime === 'workerd' ? 'building the worker and starting it in workerd (Miniflare, local D1, open mode)' : 'starting deno serve (Deno KV, open mode)');
  const server = runtime === 'workerd' ? await startBuiltWorker({ PINFACE_AUTH: 'open' }) : await startDeno({ PINFACE_AUTH: 'open' });
  const rootPid = 'rootPid' in server ? server.rootPid : (server.child.pid as number);
  let report: LoadReport;
  try {
    report = await runLoad({
      url: server.url, pid: rootPid, command: runtime, faces: { a1: face('person-a-1.jpg'), a2: face('person-a-2.jpg') },
      requests: Number(args.requests), concurrencies: args.concurrency.split(',').map(Number), enrolments: Number(args.enrolments),
    }, (m) => log(`${runtime}: ${m}`));
  } finally {
    await server.stop();
  }
  console.log(`\n### ${runtime}\n`);
  console.log(`| endpoint | concurrency | requests | 2xx | errors | p50 ms | p99 ms | req/s | ${runtime} RSS MB |`);
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const l of report.levels) console.log(`| ${l.endpoint} | ${l.concurrency} | ${l.requests} | ${l.ok} | ${l.errors} | ${l.p50} | ${l.p99} | ${l.rps.toFixed(1)} | ${l.rssMb.toFixed(1)} |`);
  for (const l of report.levels) for (const f of l.failures) console.log(`  ${l.endpoint} at ${l.concurrency}: ${f}`);
  console.log(`\n${runtime} peak RSS (VmHWM): ${report.peakRssMb.toFixed(1)} MB`);
  const i = report.integrity;
  console.log(`integrity: ${i.enrolled} enrolments and ${i.verified} verifications at once; templates ${i.templatesBefore} -> ${i.templatesAfter}; lost: ${i.missing.length}; failed requests: ${i.errors.length}`);
  for (const e of i.errors.slice(0, 5)) console.log(`  ${e}`);
  const errors = report.levels.reduce((n, l) => n + l.errors, 0);
  failed ||= errors > 0 || i.errors.length > 0 || i.missing.length > 0 || i.templatesAfter !== i.templatesBefore + i.enrolled;
}
process.exit(failed ? 1 : 0);
