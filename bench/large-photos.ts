/**
 * @module npm run bench:photos — camera-sized JPEGs in workerd, decoded at reduced scale.
 *
 * 48 and 12 megapixel photos (baseline and progressive, a face drawn 1/5 of the width, pixel
 * noise for a phone-like 2 bits per pixel) through /v1/verify of the built worker: per photo the
 * server's decode and refine times (median of --runs), the end-to-end time, and the isolate's
 * memory sampled every 25 ms while the requests run (garbage included) and kept after a collection.
 * Beside it, in this process, the same bytes through mozjpeg's full decode and the reduced-scale
 * decoder, side by side. Writes bench/large-photos.{json,md}.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { defaultLimits } from '../src/config.ts';
import { reducedScale } from '../src/pipeline/decode/index.ts';
import { decodeScaledJpeg } from '../src/pipeline/decode/scaled-jpeg/index.ts';
import { createDecoders } from '../src/wasm/codecs.ts';
import { nodeCodecModules } from '../scripts/lib/node-codecs.ts';
import { multipart, send } from '../scripts/lib/load.ts';
import { startBuiltWorker } from '../test/contract/built-worker.ts';
import { faces } from '../test/contract/fixtures.ts';
import { freePort } from '../test/contract/process-target.ts';
import { largeFacePhoto } from '../test/helpers/large-photo.ts';
import { inspectIsolate, median, peakOf, type IsolateMemory } from './lib/workerd.ts';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const RUNS = Number(args.runs);
const t0 = performance.now();
const log = (s: string) => console.error(`[pinface] [bench:photos] ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s  ${s}`);

const kinds = [
  { name: '48 MP baseline', width: 8000, height: 6000, progressive: false },
  { name: '48 MP progressive', width: 8000, height: 6000, progressive: true },
  { name: '12 MP baseline', width: 4000, height: 3000, progressive: false },
  { name: '12 MP progressive', width: 4000, height: 3000, progressive: true },
];
const photos = [];
for (const k of kinds) {
  log(`making ${k.name}`);
  const bytes = await largeFacePhoto({ width: k.width, height: k.height, face: faces.a1, faceWidth: k.width / 5, progressive: k.progressive, noise: 48 });
  photos.push({ ...k, bytes });
}

// In this process: mozjpeg's full decode against the reduced-scale decoder, same bytes, alternating.
const decoders = createDecoders(await nodeCodecModules(), Infinity);
const inProcess = [];
for (const p of photos) {
  const scale = reducedScale(p, defaultLimits) ?? 8;
  const full: number[] = [], reduced: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    let t = performance.now();
    await decoders.jpeg(p.bytes);
    full.push(performance.now() - t);
    t = performance.now();
    decodeScaledJpeg(p.bytes, { scale });
    reduced.push(performance.now() - t);
  }
  inProcess.push({ name: p.name, scale, fullMs: median(full), reducedMs: median(reduced) });
  log(`${p.name}: mozjpeg full ${median(full).toFixed(0)} ms, 1/${scale} ${median(reduced).toFixed(0)} ms (Node, in process)`);
}

const inspectorPort = await freePort();
const w = await startBuiltWorker({ PINFACE_AUTH: 'open' }, { inspectorPort });
const inWorkerd = [];
try {
  const isolate = await inspectIsolate(inspectorPort, async () => JSON.parse((await send(`${w.url}/v1/info`, 'GET')).text) as { memory: Record<string, number> });
  const before = await isolate.sample(true);
  for (const p of photos) {
    const form = await multipart({ source: p.bytes, target: faces.a2, seed: '1' });
    const samples: IsolateMemory[] = [];
    let sampling = true;
    const sampler = (async () => { while (sampling) { samples.push(await isolate.sample()); await new Promise((r) => setTimeout(r, 25)); } })();
    const runs: { decode: number; refine: number; total: number; clientMs: number; match: boolean }[] = [];
    for (let i = 0; i < RUNS + 1; i++) {
      const t = performance.now();
      const res = await send(`${w.url}/v1/verify`, 'POST', form.body, form.type);
      const clientMs = performance.now() - t;
      if (res.status !== 200) throw new Error(`[pinface] [bench:photos] ${p.name}: /v1/verify answered ${res.status}: ${res.text.slice(0, 300)}`);
      const body = JSON.parse(res.text) as { match: boolean; timings: { source: Record<string, number>; total: number } };
      if (i > 0) runs.push({ decode: body.timings.source.decode ?? NaN, refine: body.timings.source.refine ?? NaN, total: body.timings.total, clientMs, match: body.match });
    }
    sampling = false;
    await sampler;
    const kept = await isolate.sample(true);
    const row = {
      name: p.name, width: p.width, height: p.height, megabytes: p.bytes.length / 2 ** 20, matches: runs.filter((r) => r.match).length, runs: runs.length,
      decodeMs: median(runs.map((r) => r.decode)), refineMs: median(runs.map((r) => r.refine)), serverMs: median(runs.map((r) => r.total)), clientMs: median(runs.map((r) => r.clientMs)),
      sampledPeakMb: peakOf(samples).totalMb, samples: samples.length, keptMb: kept.totalMb,
    };
    inWorkerd.push(row);
    log(`${p.name} (${row.megabytes.toFixed(1)} MiB): decode ${row.decodeMs.toFixed(0)} ms, refine ${row.refineMs.toFixed(0)} ms, verify ${row.serverMs.toFixed(0)} ms; isolate sampled peak ${row.sampledPeakMb.toFixed(1)} MB (${samples.length} samples), kept ${row.keptMb.toFixed(1)} MB`);
  }
  isolate.close();
  const results = { date: new Date().toISOString(), runs: RUNS, idleKeptMb: before.totalMb, inWorkerd, inProcess };
  writeFileSync('bench/large-photos.json', `${JSON.stringify(results, null, 2)}\n`);
  const f = (x: number, d = 0) => x.toFixed(d);
  const md = [
    `# Camera-sized JPEGs (npm run bench:photos, ${results.date.slice(0, 10)}, ${RUNS} runs each)`, '',
    `In workerd (built worker, /v1/verify against a small photo of the same person). Isolate idle after a collection: ${f(before.totalMb, 1)} MB.`, '',
    '| photo | MiB | decode ms (server, median) | refine ms | verify ms (server) | end to end ms | matched | isolate sampled peak MB | kept after a collection MB |',
    '|---|---|---|---|---|---|---|---|---|',
    ...inWorkerd.map((r) => `| ${r.name} | ${f(r.megabytes, 1)} | ${f(r.decodeMs)} | ${f(r.refineMs)} | ${f(r.serverMs)} | ${f(r.clientMs)} | ${r.matches}/${r.runs} | ${f(r.sampledPeakMb, 1)} | ${f(r.keptMb, 1)} |`),
    '', 'In Node, same bytes, alternating: mozjpeg full decode vs the reduced-scale decoder.', '',
    '| photo | scale | mozjpeg full ms | reduced ms | ratio |', '|---|---|---|---|---|',
    ...inProcess.map((r) => `| ${r.name} | 1/${r.scale} | ${f(r.fullMs)} | ${f(r.reducedMs)} | ${f(r.fullMs / r.reducedMs, 1)}x |`),
  ].join('\n');
  writeFileSync('bench/large-photos.md', `${md}\n`);
  console.log(md);
} finally {
  await w.stop();
}
