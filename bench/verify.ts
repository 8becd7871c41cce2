/**
 * @module bench/verify: `npm run bench` — /v1/verify inside workerd (wrangler dev, as `npm start`
 * runs it): per-stage medians from the response timings, client-side latency, and the workerd
 * process's peak resident memory (VmHWM) next to an idle baseline measured in the same run.
 */
import { readFileSync } from 'node:fs';
import encode, { init as initEncode } from '@jsquash/jpeg/encode';
import decode, { init as initDecode } from '@jsquash/jpeg/decode';
import { freePort, startServer } from '../test/contract/process-target.ts';
import { median, workerdMemory, wranglerDevArgs } from './lib/workerd.ts';

const N = Number(process.env.BENCH_N ?? 30);
const fixture = (p: string) => new Uint8Array(readFileSync(new URL(`../test/fixtures/faces/${p}`, import.meta.url)));
const a1 = fixture('person-a-1.jpg'), a2 = fixture('person-a-2.jpg');

/** A large photo at the Workers pixel limit: the fixture face in a 2048x1536 baseline JPEG (what cameras write). */
async function phonePhoto(face: Uint8Array): Promise<Uint8Array> {
  const wasm = (p: string) => WebAssembly.compile(readFileSync(new URL(`../node_modules/@jsquash/jpeg/codec/${p}`, import.meta.url)));
  await initDecode(await wasm('dec/mozjpeg_dec.wasm'));
  await initEncode(await wasm('enc/mozjpeg_enc.wasm'));
  const small = await decode(face.slice().buffer);
  const W = 2048, H = 1536, k = 5; // the face scaled 5x: 800 px, centred
  const data = new Uint8ClampedArray(W * H * 4);
  const x0 = (W - small.width * k) >> 1, y0 = (H - small.height * k) >> 1;
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const sx = Math.min(small.width - 1, Math.max(0, Math.floor((x - x0) / k)));
    const sy = Math.min(small.height - 1, Math.max(0, Math.floor((y - y0) / k)));
    const s = (sy * small.width + sx) * 4, d = (y * W + x) * 4;
    data[d] = small.data[s] as number; data[d + 1] = small.data[s + 1] as number; data[d + 2] = small.data[s + 2] as number; data[d + 3] = 255;
  }
  return new Uint8Array(await encode({ width: W, height: H, data, colorSpace: 'srgb' } as ImageData, { quality: 85, progressive: false, baseline: true }));
}

const port = await freePort();
const server = await startServer('node_modules/.bin/wrangler', wranglerDevArgs(port), port);
try {
  const idle = workerdMemory(server.child.pid as number);
  const verify = async (source: Uint8Array = a1) => {
    const f = new FormData();
    f.append('source', new Blob([source.slice()]), 's.jpg');
    f.append('target', new Blob([a2]), 't.jpg');
    const t0 = performance.now();
    const res = await server.fetch('/v1/verify', { method: 'POST', body: f });
    const body = (await res.json()) as { timings: Record<'source' | 'target', Record<string, number>> & { total: number } };
    if (res.status !== 200) throw new Error(JSON.stringify(body));
    return { body, client: performance.now() - t0 };
  };
  const cold = await verify();
  for (let i = 0; i < 3; i++) await verify();
  const runs = [];
  for (let i = 0; i < N; i++) runs.push(await verify());
  const mem = workerdMemory(server.child.pid as number, idle.pid);
  const info = (await (await server.fetch('/v1/info')).json()) as { memory: { onnxWasmHeapBytes: number } };
  console.log(`onnxruntime wasm linear memory after serving: ${(info.memory.onnxWasmHeapBytes / 2 ** 20).toFixed(1)} MB (the isolate's largest allocation; JPEG decoder heap 16 MB more)`);
  const phone = await phonePhoto(a1);
  const big = [];
  for (let i = 0; i < 3; i++) big.push(await verify(phone));
  const memBig = workerdMemory(server.child.pid as number, idle.pid);
  const stages = ['decode', 'detect', 'landmarks', 'align', 'project', 'embed'];
  console.log(`/v1/verify in workerd (wrangler dev), ${N} runs after 4 warm-ups; 160x160 JPEGs; one thread`);
  console.log('| stage | median ms (per image) |\n|---|---|');
  for (const s of stages) console.log(`| ${s} | ${median(runs.map((r) => ((r.body.timings.source[s] ?? 0) + (r.body.timings.target[s] ?? 0)) / 2)).toFixed(1)} |`);
  console.log(`| whole verify, server side | ${median(runs.map((r) => r.body.timings.total)).toFixed(1)} |`);
  console.log(`| whole verify, client side | ${median(runs.map((r) => r.client)).toFixed(1)} |`);
  console.log(`first request (model load + first inference): ${cold.client.toFixed(0)} ms`);
  console.log(`workerd process hosting the worker: peak RSS (VmHWM) ${mem.hwmMb.toFixed(1)} MB; at idle before the first request ${idle.hwmMb.toFixed(1)} MB; growth from serving ${(mem.hwmMb - idle.hwmMb).toFixed(1)} MB (${(mem.hwmMb / idle.hwmMb).toFixed(2)}x)`);
  console.log(`with a 2048x1536 baseline JPEG (${(phone.length / 1e6).toFixed(1)} MB) as source, 3 runs: whole verify median ${median(big.map((r) => r.body.timings.total)).toFixed(0)} ms (decode ${median(big.map((r) => r.body.timings.source.decode ?? 0)).toFixed(0)} ms, detect ${median(big.map((r) => r.body.timings.source.detect ?? 0)).toFixed(0)} ms); peak RSS now ${memBig.hwmMb.toFixed(1)} MB (+${(memBig.hwmMb - idle.hwmMb).toFixed(1)} MB over idle)`);
} finally {
  await server.stop();
}
