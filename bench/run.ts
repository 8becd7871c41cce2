/**
 * @module npm run bench — `npm run bench -- [--runs 50] [--pairs 240] [--cold 3] [data folder]`
 *
 * One bounded run, side by side, written to bench/results.{json,md,svg}:
 * 0. the machine: other busy processes (a competing job skews everything: see bench/lib/cpus.ts),
 *    each CPU's speed on a native control, what first-touching fresh memory costs;
 * 1. the deployable bundle (wrangler deploy --dry-run): file sizes, raw and gzip;
 * 2. cold start: fresh workerd processes (Miniflare) on that bundle, the first /v1/verify each,
 *    broken down by the engine's start-up parts (/v1/info) and each stage's first-run extra;
 * 3. /v1/verify in workerd, warm: per-stage medians and p95 from the response timings for
 *    640x480 and 1280x960 camera JPEGs, end to end at concurrency 1 and 4, and the isolate's
 *    memory (JS heap + ArrayBuffers + wasm memories, through the inspector) after each size;
 * 4. the projection: SIMD kernel vs scalar TypeScript vs onnxruntime-web vs memcpy;
 * 5. the peer, @vladmandic/human, against pinface in this process on the same LFW dev pairs;
 * 6. the recognizer in workerd vs Node, alternating blocks on each CPU (bench/lib/recognizer-compare.ts);
 * 7. per-face cost at batch 1, 2, 4 for each network (bench/lib/batch.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { createDecoders } from '../src/wasm/codecs.ts';
import { nodeCodecModules } from '../scripts/lib/node-codecs.ts';
import { closedLoop, multipart, send } from '../scripts/lib/load.ts';
import { repoRoot } from '../scripts/lib/node-models.ts';
import { startBuiltWorker } from '../test/contract/built-worker.ts';
import { freePort } from '../test/contract/process-target.ts';
import { batchTable } from './lib/batch.ts';
import { cpuSpeeds, firstTouchMsPerMiB, otherBusyProcesses } from './lib/cpus.ts';
import { kernelBench, kernelTable } from './lib/kernel.ts';
import { compareRecognizer } from './lib/recognizer-compare.ts';
import { cameraJpeg } from './lib/photos.ts';
import { benchMarkdown, benchSvg, STAGES, type BenchResults, type SizeResult } from './lib/report.ts';
import { inspectIsolate, median, peakOf, quantile, type IsolateMemory } from './lib/workerd.ts';
import { comparePeer } from './peer/compare.ts';
import { sampleToChw } from '../src/pipeline/image.ts';
import { referenceRotatedSample } from '../test/helpers/sample-reference.ts';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: 'string', default: '50' }, pairs: { type: 'string', default: '240' }, cold: { type: 'string', default: '3' } },
});
const RUNS = Number(args.runs);
const dataDir = positionals[0] ?? join(repoRoot, '..', 'shared', 'data');
const t0 = performance.now();
const log = (s: string) => console.error(`[pinface] [bench] ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s  ${s}`);
const OPEN = { PINFACE_AUTH: 'open' };

type VerifyBody = { timings: Record<'source' | 'target', Record<string, number>> & { decide: number; total: number } };
async function verify(url: string, form: { body: Uint8Array<ArrayBuffer>; type: string }): Promise<{ body: VerifyBody; clientMs: number }> {
  const t = performance.now();
  const res = await send(`${url}/v1/verify`, 'POST', form.body, form.type);
  const clientMs = performance.now() - t;
  if (res.status !== 200) throw new Error(`[pinface] [bench] /v1/verify answered ${res.status}: ${res.text.slice(0, 200)}`);
  return { body: JSON.parse(res.text) as VerifyBody, clientMs };
}

// The photos: the first same-person pair of fold 5, each face scaled up to cover the canvas.
const decoders = createDecoders(await nodeCodecModules());
const [pa, pb] = (readFileSync(join(dataDir, 'dev_pairs.tsv'), 'utf8').split('\n').find((l) => l.startsWith('5\t1\t')) as string).split('\t').slice(2);
const faces = [await decoders.jpeg(new Uint8Array(readFileSync(join(dataDir, pa as string)))), await decoders.jpeg(new Uint8Array(readFileSync(join(dataDir, pb as string))))];
const sizes = [[640, 480], [1280, 960]] as const;
const photos = await Promise.all(sizes.map(async ([w, h]) => ({ w, h, form: await multipart({ source: await cameraJpeg(faces[0]!, w, h), target: await cameraJpeg(faces[1]!, w, h), seed: '1' }) })));

// 0. The machine.
const busy = await otherBusyProcesses();
for (const p of busy) log(`WARNING: pid ${p.pid} (${p.command}) uses ${(100 * p.cpuShare).toFixed(0)} % of a CPU beside this run; workerd runs in a session of its own, so a niced job still takes half its CPU (README)`);
const speeds = cpuSpeeds();
const touchMsPerMiB = firstTouchMsPerMiB();
log(`CPUs: ${speeds?.map((s) => `${s.cpu}: ${s.controlMs.toFixed(1)} ms`).join(', ') ?? 'no taskset'}; first touch of fresh memory ${touchMsPerMiB.toFixed(2)} ms/MiB`);

// 1. Bundle.
log('building the worker bundle (wrangler deploy --dry-run)');
const buildDir = mkdtempSync(join(tmpdir(), 'pinface-bench-'));
const dist = join(buildDir, 'dist');
execFileSync(join(repoRoot, 'node_modules', '.bin', 'wrangler'), ['deploy', '--dry-run', '--outdir', dist], { env: { ...process.env, CI: '1', NO_COLOR: '1' }, stdio: 'pipe' });
const bundle = readdirSync(dist).filter((f) => statSync(join(dist, f)).isFile() && !f.endsWith('.map') && f !== 'README.md').map((f) => {
  const bytes = readFileSync(join(dist, f));
  return { file: f, bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
}).sort((a, b) => b.bytes - a.bytes);

let results: BenchResults;
try {
  // 2. Cold start.
  const cold: BenchResults['coldStart'] = [];
  for (let i = 0; i < Number(args.cold); i++) {
    const w = await startBuiltWorker(OPEN, { dist });
    try {
      const first = await verify(w.url, photos[0]!.form);
      const { startup } = JSON.parse((await send(`${w.url}/v1/info`, 'GET')).text) as { startup: Record<string, number> };
      const second = await verify(w.url, photos[0]!.form);
      // What the first request spends outside its stages is the engine's start-up (wasm runtime, sessions, space).
      const byStage = (t: VerifyBody['timings']) => Object.fromEntries(STAGES.map((k) => [k, (t.source[k] ?? 0) + (t.target[k] ?? 0)]));
      const stages = (t: VerifyBody['timings']) => Object.values(byStage(t)).reduce((a, b) => a + b, 0);
      cold.push({
        startMs: w.startMs, firstMs: first.clientMs, firstServerMs: first.body.timings.total, firstStagesMs: stages(first.body.timings), warmStagesMs: stages(second.body.timings), warmMs: second.clientMs,
        startup, firstByStage: byStage(first.body.timings), warmByStage: byStage(second.body.timings),
      });
      log(`cold start ${i + 1}: workerd ready in ${w.startMs.toFixed(0)} ms, first verify ${first.clientMs.toFixed(0)} ms, second ${second.clientMs.toFixed(0)} ms`);
    } finally {
      await w.stop();
    }
  }

  // 3. Warm, in one isolate, with the inspector for memory.
  const inspectorPort = await freePort();
  const w = await startBuiltWorker(OPEN, { dist, inspectorPort });
  const bySize: SizeResult[] = [];
  const memory: IsolateMemory[] = [];
  const live: IsolateMemory[] = [];
  try {
    const isolate = await inspectIsolate(inspectorPort, async () => JSON.parse((await send(`${w.url}/v1/info`, 'GET')).text) as { memory: Record<string, number> });
    memory.push(await isolate.sample());
    for (const p of photos) {
      for (let i = 0; i < 3; i++) await verify(w.url, p.form);
      const runs: Array<{ body: VerifyBody; clientMs: number }> = [];
      for (let i = 0; i < RUNS; i++) runs.push(await verify(w.url, p.form));
      memory.push(await isolate.sample());
      const perImage = (s: string) => runs.flatMap((r) => [r.body.timings.source[s] ?? 0, r.body.timings.target[s] ?? 0]);
      const stages = Object.fromEntries(STAGES.map((s) => [s, { median: median(perImage(s)), p95: quantile(perImage(s), 0.95) }]));
      const decide = runs.map((r) => r.body.timings.decide);
      const c1 = runs.map((r) => r.clientMs);
      log(`${p.w}x${p.h}: concurrency 4, ${RUNS} requests`);
      const c4 = await closedLoop(`${w.url}/v1/verify`, p.form, 4, RUNS);
      if (c4.failures.length) throw new Error(`[pinface] [bench] concurrency 4 failed: ${c4.failures[0]}`);
      memory.push(await isolate.sample());
      live.push(await isolate.sample(true));
      bySize.push({
        width: p.w, height: p.h, jpegBytes: p.form.body.length, runs: RUNS, stages, decide: { median: median(decide), p95: quantile(decide, 0.95) },
        serverMs: { median: median(runs.map((r) => r.body.timings.total)), p95: quantile(runs.map((r) => r.body.timings.total), 0.95) },
        c1: { p50: quantile(c1, 0.5), p95: quantile(c1, 0.95) }, c4: { p50: quantile(c4.latencies, 0.5), p95: quantile(c4.latencies, 0.95), rps: c4.rps },
      });
      log(`${p.w}x${p.h}: c1 p50 ${quantile(c1, 0.5).toFixed(0)} ms, c4 p50 ${quantile(c4.latencies, 0.5).toFixed(0)} ms`);
    }
    isolate.close();
  } finally {
    await w.stop();
  }
  const peak = peakOf(memory), liveAfterGc = peakOf(live);

  // 4. Projection.
  log('projection: kernel, scalar TypeScript, onnxruntime-web, memcpy');
  const kernel = await kernelBench(40, undefined, (s) => log(`kernel: ${s}`));

  // The optimisation: the inlined rotated sampler against the closure version it replaced.
  const align = (() => {
    const big = { width: 1280, height: 960, data: new Uint8ClampedArray(1280 * 960 * 4).map((_, i) => (i * 2654435761) >>> 24) };
    const s = 6, th = 0.1, map = [s * Math.cos(th), -s * Math.sin(th), 300, s * Math.sin(th), s * Math.cos(th), 120] as const;
    const norm = { mean: 127, scale: 128 };
    const time = (fn: () => unknown) => { for (let i = 0; i < 3; i++) fn(); const t: number[] = []; for (let i = 0; i < 20; i++) { const t1 = performance.now(); fn(); t.push(performance.now() - t1); } return median(t); };
    const a = sampleToChw(big, map, 112, 112, 'gray', norm, 8), b = referenceRotatedSample(big, map, 112, 112, 'gray', norm, 8);
    return {
      width: 1280, height: 960, shrink: s, identical: a.every((v, i) => Object.is(v, b[i])),
      beforeMs: time(() => referenceRotatedSample(big, map, 112, 112, 'gray', norm, 8)), afterMs: time(() => sampleToChw(big, map, 112, 112, 'gray', norm, 8)),
    };
  })();
  log(`align: ${align.beforeMs.toFixed(2)} -> ${align.afterMs.toFixed(2)} ms, identical ${align.identical}`);

  // 5. Peer.
  log(`peer: pinface and @vladmandic/human on ${args.pairs} dev pairs`);
  const peer = await comparePeer(dataDir, Number(args.pairs), log);

  // 6. The recognizer, workerd vs Node, on each CPU.
  log('recognizer: workerd vs Node, alternating blocks, on each CPU');
  const recognizer = [];
  for (const cpu of speeds?.map((s) => s.cpu) ?? [undefined]) recognizer.push(await compareRecognizer(cpu, log));

  // 7. Batches.
  log('batch 1, 2, 4 per network');
  const batch = await batchTable(RUNS);
  for (const b of batch) log(`batch: ${b.model} ${[1, 2, 4].map((n) => b.perFace[n as 1 | 2 | 4].toFixed(2)).join(' / ')} ms per face`);

  results = {
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, workerd: readJson('node_modules/workerd/package.json').version as string, cpuSpeeds: speeds ?? null, touchMsPerMiB, busy },
    recognizer, batch, bundle, coldStart: cold, sizes: bySize, memory: { idle: memory[0] as IsolateMemory, peak, liveAfterGc }, kernel, kernelTable: kernelTable(kernel), peer, align,
    minutes: (performance.now() - t0) / 60000,
  };
} finally {
  rmSync(buildDir, { recursive: true, force: true });
}

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(repoRoot, path), 'utf8')) as Record<string, unknown>;
}

writeFileSync(join(repoRoot, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
const md = benchMarkdown(results);
writeFileSync(join(repoRoot, 'bench', 'results.md'), md);
writeFileSync(join(repoRoot, 'bench', 'results.svg'), benchSvg(results));
console.log(md);
log(`done in ${results.minutes.toFixed(1)} min: bench/results.{json,md,svg}`);
