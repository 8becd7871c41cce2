/**
 * @module npm run bench:recognizer — the recognizer per face in workerd against the same
 * onnxruntime-web build in Node, timed two ways in one run: by the isolate's own clock (what the
 * service's `timings.embed` reports) and from outside, as the difference between requests that run
 * it 1 and 21 times (the client's clock, which workerd cannot coarsen). Writes bench/recognizer-clock.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createRunner } from '../src/wasm/onnx.ts';
import { startWorkerd } from '../test/contract/process-target.ts';
import { median } from './lib/workerd.ts';

const require = createRequire(import.meta.url);
const REPS = 9, N = 21;
const log = (s: string) => console.error(`[pinface] [bench:recognizer] ${s}`);
const input = Float32Array.from({ length: 3 * 112 * 112 }, (_, i) => Math.sin(i * 0.37) * 0.8);

// Node: the same runner over the same wasm build and model.
const wasm = await WebAssembly.compile(readFileSync(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm')));
const nodeMs = async (file: string): Promise<number> => {
  const node = await createRunner(new Uint8Array(readFileSync(file)), { wasm });
  const each: number[] = [];
  for (let i = 0; i < 10 + 5 * N; i++) {
    const t = performance.now();
    await node.run({ data: input, dims: [1, 3, 112, 112] });
    if (i >= 10) each.push(performance.now() - t);
  }
  return median(each);
};
const nodeEach = [await nodeMs('models/fr_feature_pin.onnx')];
const nodeOriginal = await nodeMs('models/fr_feature.onnx');
log(`Node onnxruntime-web: ${median(nodeEach).toFixed(1)} ms per run`);

const server = await startWorkerd({ script: 'bench/recognizer-worker.ts' });
const rows: { inside: number; outside: number } = { inside: NaN, outside: NaN };
try {
  const call = async (n: number, extra = '') => {
    const t = performance.now();
    const body = (await (await fetch(`${server.url}/v1/bench-recognizer?n=${n}${extra}`)).json()) as { each: number[] };
    return { ms: performance.now() - t, each: body.each };
  };
  for (let i = 0; i < 3; i++) await call(N); // warm-up: session, tier-up
  const one: number[] = [], many: number[] = [], inside: number[] = [];
  for (let i = 0; i < REPS; i++) {
    one.push((await call(1)).ms);
    const m = await call(N);
    many.push(m.ms);
    inside.push(...m.each);
  }
  const original: number[] = [];
  for (let i = 0; i < 3; i++) await call(N, '&model=feature');
  for (let i = 0; i < 3; i++) original.push(...(await call(N, '&model=feature')).each);
  const originalMs = median(original);
  log(`workerd: the original recognizer fr_feature.onnx ${originalMs.toFixed(1)} ms per run (Node ${nodeOriginal.toFixed(1)})`);
  const afterDetect: number[] = [];
  for (let i = 0; i < 3; i++) afterDetect.push(...(await call(N, '&with=detect')).each);
  const afterDetectMs = median(afterDetect);
  log(`workerd: recognizer right after a detector run, isolate clock ${afterDetectMs.toFixed(1)} ms per run`);
  rows.inside = median(inside);
  rows.outside = (median(many) - median(one)) / (N - 1);
  log(`workerd: isolate clock ${rows.inside.toFixed(1)} ms per run; from outside ${rows.outside.toFixed(1)} ms per run (${N} vs 1 runs per request, medians of ${REPS})`);
  const distinct = new Set(inside.map((x) => x.toFixed(3))).size;
  const md = [
    `# Recognizer per face: workerd vs Node (npm run bench:recognizer, ${new Date().toISOString().slice(0, 10)})`, '',
    '| where | clock | ms per run (median) |', '|---|---|---|',
    `| Node, onnxruntime-web (same wasm build, same model: fr_feature_pin.onnx) | performance.now() | ${median(nodeEach).toFixed(1)} |`,
    `| workerd (wrangler dev), onnxruntime-web | the isolate's performance.now() | ${rows.inside.toFixed(1)} (${distinct} distinct values in ${inside.length} runs) |`,
    `| workerd (wrangler dev), onnxruntime-web | outside: (request with ${N} runs - request with 1) / ${N - 1} | ${rows.outside.toFixed(1)} |`,
    `| workerd, each run right after a detector run in the same runtime (as in the service) | the isolate's performance.now() | ${afterDetectMs.toFixed(1)} |`,
    `| the original recognizer fr_feature.onnx (defense none): Node / workerd | performance.now() | ${nodeOriginal.toFixed(1)} / ${originalMs.toFixed(1)} |`,
  ].join('\n');
  writeFileSync('bench/recognizer-clock.md', `${md}\n`);
  console.log(md);
} finally {
  await server.stop();
}
