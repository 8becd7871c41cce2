/**
 * @module npm run bench:selector — the learned selector's cost per face, side by side in one run:
 * the SIMD kernel (what the service runs), plain TypeScript, and the same net exported to ONNX
 * on onnxruntime-web (wasm, one thread: the yardstick). Features (coefficients in noise
 * units) are computed in TypeScript for every method and included in the times; the projection
 * itself is not (bench:kernel measures it).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { floatTensor, floatValue, int, int64Tensor, node, writeModel } from '../eval/onnx/proto.ts';
import { nodeKernelModule } from '../scripts/lib/node-kernel.ts';
import { repoRoot, shippedSelectorPath } from '../scripts/lib/node-models.ts';
import { kernelDense } from '../src/immune/project.ts';
import { parseSelector, type SelectorNet } from '../src/immune/selector-file.ts';
import { learnedFeatures, pinLearned, type SelectorInput } from '../src/immune/selectors.ts';
import { parseSpace } from '../src/immune/space-file.ts';
import { assetUrls } from '../src/runtime/files.ts';
import { initKernel } from '../src/wasm/kernel.ts';
import { createRunner } from '../src/wasm/onnx.ts';
import { median } from './lib/workerd.ts';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '200' }, selector: { type: 'string' } } });
const RUNS = Number(args.runs);
const file = args.selector ?? shippedSelectorPath;
const bytes = new Uint8Array(readFileSync(file));
const net = parseSelector(bytes);
const space = parseSpace(new Uint8Array(readFileSync(join(repoRoot, 'models', 'immune-space.bin'))));
const kernel = initKernel(await nodeKernelModule());

// A real-looking input: the mean face plus some structure, through the shipped space.
const x = Float32Array.from(space.mean, (m, j) => m + 0.1 * Math.sin(j / 7));
const basis = kernel.loadBasis(space.mean, space.basis, space.format, space.k, space.scales);
const coeffs = new Float32Array(space.k);
const input: SelectorInput = { coeffs, inputEnergy: kernel.coefficients(basis, x, coeffs), d: space.d };

/** The net as an ONNX graph over one input row [features (kp) | margin (k)]. */
function onnxSelector(n: SelectorNet): Uint8Array {
  const range = (name: string, from: number, to: number) => [int64Tensor(`${name}_s`, [1], [from]), int64Tensor(`${name}_e`, [1], [to]), int64Tensor(`${name}_a`, [1], [1])];
  return writeModel({
    ir_version: 8,
    opset_import: [{ domain: '', version: 17 }],
    graph: {
      name: 'pin_selector',
      node: [
        node('Slice', ['row', 'x_s', 'x_e', 'x_a'], ['x']),
        node('Slice', ['row', 'm_s', 'm_e', 'm_a'], ['margin']),
        node('Gemm', ['x', 'w1', 'b1'], ['h0'], [int('transB', 1)]),
        node('Relu', ['h0'], ['h']),
        node('Gemm', ['h', 'w2', 'bias'], ['z'], [int('transB', 1)]),
        node('Mul', ['margin', 'alpha'], ['am']),
        node('Add', ['z', 'am'], ['logits']),
        node('Sigmoid', ['logits'], ['p']),
      ],
      initializer: [
        ...range('x', 0, n.kp), ...range('m', n.kp, n.kp + n.k),
        floatTensor('w1', [n.hidden, n.kp], n.w1), floatTensor('b1', [n.hidden], n.b1),
        floatTensor('w2', [n.k, n.hidden], n.w2), floatTensor('bias', [n.k], n.bias), floatTensor('alpha', [1, n.k], n.alpha),
      ],
      input: [floatValue('row', [1, n.kp + n.k])],
      output: [floatValue('p', [1, n.k])],
      value_info: [],
    },
  });
}

async function timeAsync(fn: () => unknown): Promise<number> {
  for (let i = 0; i < 10; i++) await fn();
  const t: number[] = [];
  for (let i = 0; i < RUNS; i++) { const t0 = performance.now(); await fn(); t.push(performance.now() - t0); }
  return median(t);
}

const onKernel = pinLearned(net, kernelDense(kernel, net));
const plain = pinLearned(net);
const model = onnxSelector(net);
const runner = await createRunner(model, { wasm: await WebAssembly.compile(readFileSync(assetUrls.ortWasm)) });
const viaOrt = async () => {
  const f = learnedFeatures(input, net);
  const row = new Float32Array(net.kp + net.k);
  row.set(f.input);
  row.set(f.margin, net.kp);
  return (await runner.run({ data: row, dims: [1, net.kp + net.k] })).p as Float32Array;
};

const ref = plain(input), k = onKernel(input), o = await viaOrt();
const worst = (a: Float32Array) => a.reduce((w, v, i) => Math.max(w, Math.abs(v - (ref[i] as number))), 0);
const rows = [
  { method: 'kernel (wasm SIMD), the service', ms: await timeAsync(() => onKernel(input)), agrees: worst(k) },
  { method: 'plain TypeScript', ms: await timeAsync(() => plain(input)), agrees: 0 },
  { method: 'onnxruntime-web (wasm, 1 thread)', ms: await timeAsync(viaOrt), agrees: worst(o) },
];
console.log(`\nlearned selector ${file.replace(repoRoot, '')}: K = ${net.k}, hidden ${net.hidden}, ${(bytes.length / 1e6).toFixed(2)} MB file (goal <= 5 MB), ONNX export ${(model.length / 1e6).toFixed(2)} MB`);
console.log(`median of ${RUNS} runs per face, features included\n`);
console.log('| method | ms / face | max abs difference from plain TS |');
console.log('|---|---|---|');
for (const r of rows) console.log(`| ${r.method} | ${r.ms.toFixed(3)} | ${r.agrees.toExponential(1)} |`);
const ort = rows[2]?.ms ?? NaN;
console.log(`\nonnxruntime-web ${ort.toFixed(2)} ms per face (goal <= 5 ms); the kernel path takes ${((rows[0]?.ms ?? NaN) / ort).toFixed(1)}x its time, synchronously, inside the projector`);
