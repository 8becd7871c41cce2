/**
 * @module The PIN projection x' = mu + E_S E_S^T (x - mu) timed, in one process run, four ways on
 * the same sizes: the SIMD kernel (per storage format), a scalar TypeScript loop, onnxruntime-web
 * (the edge's own ORT build; Sub, MatMul [1,d]x[d,k], Mul by the mask, MatMul [1,k]x[k,d], Add),
 * and memcpy of the basis inside a wasm memory as the roofline: the projection streams the basis
 * twice, so its floor is two basis reads. Used by bench:kernel and by npm run bench.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dequantizedBasis } from '../../test/helpers/projection-reference.ts';
import { parseSpace, serializeSpace, type BasisFormat, type ImmuneSpace } from '../../src/immune/space-file.ts';
import { initKernel } from '../../src/wasm/kernel.ts';
import { createRunner } from '../../src/wasm/onnx.ts';
import { assetUrls } from '../../src/runtime/files.ts';
import { nodeKernelModule } from '../../scripts/lib/node-kernel.ts';
import { repoRoot } from '../../scripts/lib/node-models.ts';
import { floatTensor, floatValue, node, writeModel } from '../../eval/onnx/proto.ts';
import { median } from './workerd.ts';

export interface KernelRow { method: string; format: string; ms: number; basisMiB: number; readGBs: number }
export interface KernelBench { k: number; d: number; runs: number; memcpyGBs: number; shippedFormat: BasisFormat; rows: KernelRow[] }

export async function kernelBench(RUNS: number, kRequested: number | undefined, log: (s: string) => void): Promise<KernelBench> {
  const shipped = parseSpace(new Uint8Array(readFileSync(join(repoRoot, 'models', 'immune-space.bin'))));
  const K = Math.min(kRequested ?? shipped.k, shipped.k), D = shipped.d;
  // Every format is rebuilt from the shipped basis: speed does not depend on the values.
  const basisF32 = Float32Array.from(dequantizedBasis(shipped).subarray(0, K * D));
  const spaceIn = (format: BasisFormat): ImmuneSpace =>
    parseSpace(serializeSpace({ ...shipped, k: K, variances: shipped.variances.subarray(0, K), basis: basisF32 }, format));

  // A real-looking input: the mean face plus a little structure; and the all-ones mask, so each
  // method does the full two passes (pin-threshold keeps fewer rows; reported separately).
  const x = Float32Array.from(shipped.mean, (m, j) => m + 0.1 * Math.sin(j / 7));
  const fullMask = new Uint8Array(K).fill(1);

  function time(fn: () => void): number {
    for (let i = 0; i < 3; i++) fn();
    const t: number[] = [];
    for (let i = 0; i < RUNS; i++) { const t0 = performance.now(); fn(); t.push(performance.now() - t0); }
    return median(t);
  }
  async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
    for (let i = 0; i < 3; i++) await fn();
    const t: number[] = [];
    for (let i = 0; i < RUNS; i++) { const t0 = performance.now(); await fn(); t.push(performance.now() - t0); }
    return median(t);
  }

  /** Scalar TypeScript: the same two passes, plain loops over typed arrays, f32 accumulation. */
  function scalarProject(s: ImmuneSpace, mask: Uint8Array, out: Float32Array, y: Float32Array): void {
    const { k, d, mean } = s;
    const f32 = s.format === 'f32' ? new Float32Array(s.basis.buffer, s.basis.byteOffset, k * d) : undefined;
    const i8 = s.format === 'i8' ? new Int8Array(s.basis.buffer, s.basis.byteOffset, k * d) : undefined;
    if (!f32 && !i8) throw new Error('scalar baseline covers f32 and i8');
    const z = new Float32Array(d);
    for (let j = 0; j < d; j++) z[j] = (x[j] as number) - (mean[j] as number);
    for (let c = 0; c < k; c++) {
      let acc = 0;
      const o = c * d;
      if (f32) for (let j = 0; j < d; j++) acc += (f32[o + j] as number) * (z[j] as number);
      else for (let j = 0; j < d; j++) acc += (i8![o + j] as number) * (z[j] as number); // non-null: checked above
      y[c] = acc * (s.scales?.[c] ?? 1);
    }
    out.set(mean);
    for (let c = 0; c < k; c++) {
      if (!mask[c]) continue;
      const w = (y[c] as number) * (s.scales?.[c] ?? 1), o = c * d;
      if (f32) for (let j = 0; j < d; j++) out[j] = (out[j] as number) + w * (f32[o + j] as number);
      else for (let j = 0; j < d; j++) out[j] = (out[j] as number) + w * (i8![o + j] as number);
    }
  }

  const rows: KernelRow[] = [];
  const add = (method: string, format: string, ms: number, basisBytes: number) => {
    const row = { method, format, ms, basisMiB: basisBytes / 2 ** 20, readGBs: (2 * basisBytes) / (ms / 1e3) / 1e9 };
    rows.push(row);
    log(`${method} ${format}: ${ms.toFixed(2)} ms (${row.readGBs.toFixed(1)} GB/s of basis reads)`);
  };

  log(`K = ${K}, d = ${D}, ${RUNS} timed runs each after 3 warm-ups; one thread`);
  const kernelModule = await nodeKernelModule();

  // Roofline: memcpy of a basis-sized block inside a wasm linear memory (the engine's native
  // memmove, as for the kernel's own memory), reported as bytes copied per second.
  let memcpyGBs: number;
  {
    const bytes = K * D * 4;
    const memory = new WebAssembly.Memory({ initial: Math.ceil((2 * bytes + 64) / 65536) });
    const view = new Uint8Array(memory.buffer);
    view.fill(1, 0, bytes);
    const ms = time(() => { view.copyWithin(bytes + 64, 0, bytes); });
    memcpyGBs = bytes / (ms / 1e3) / 1e9;
    log(`memcpy ${(bytes / 2 ** 20).toFixed(1)} MiB: ${ms.toFixed(2)} ms, ${memcpyGBs.toFixed(1)} GB/s`);
  }

  for (const format of ['f32', 'f16', 'i8'] as BasisFormat[]) {
    const s = spaceIn(format);
    const kernel = initKernel(kernelModule);
    const b = kernel.loadBasis(s.mean, s.basis, format, K, s.scales);
    const y = new Float32Array(K), out = new Float32Array(D);
    add('kernel (wasm SIMD)', format, time(() => { kernel.coefficients(b, x, y); kernel.reconstruct(b, y, fullMask, out); }), s.basis.length);
    if (format !== 'f16') add('scalar TypeScript', format, time(() => scalarProject(s, fullMask, out, y)), s.basis.length);
  }

  {
    const s = spaceIn('f32');
    const basisT = new Float32Array(D * K); // [d, k] for the first MatMul
    for (let c = 0; c < K; c++) for (let j = 0; j < D; j++) basisT[j * K + c] = basisF32[c * D + j] as number;
    const model = writeModel({
      ir_version: 8,
      opset_import: [{ domain: '', version: 17 }],
      graph: {
        name: 'projection',
        node: [
          node('Sub', ['x', 'mu'], ['z']),
          node('MatMul', ['z', 'Et'], ['y']),
          node('Mul', ['y', 'mask'], ['ys']),
          node('MatMul', ['ys', 'E'], ['r']),
          node('Add', ['r', 'mu'], ['out']),
        ],
        initializer: [
          floatTensor('mu', [1, D], s.mean),
          floatTensor('Et', [D, K], basisT),
          floatTensor('mask', [1, K], new Float32Array(K).fill(1)),
          floatTensor('E', [K, D], basisF32),
        ],
        input: [floatValue('x', [1, D])],
        output: [floatValue('out', [1, D])],
        value_info: [],
      },
    });
    const ortWasm = await WebAssembly.compile(readFileSync(assetUrls.ortWasm));
    const runner = await createRunner(model, { wasm: ortWasm });
    const input = { data: x, dims: [1, D] };
    const check = (await runner.run(input)).out as Float32Array;
    const kernel = initKernel(kernelModule);
    const b = kernel.loadBasis(s.mean, s.basis, 'f32', K, undefined);
    const y = new Float32Array(K), ref = new Float32Array(D);
    kernel.coefficients(b, x, y);
    kernel.reconstruct(b, y, fullMask, ref);
    let err = 0, big = 0;
    for (let j = 0; j < D; j++) { err = Math.max(err, Math.abs((check[j] as number) - (ref[j] as number))); big = Math.max(big, Math.abs(ref[j] as number)); }
    log(`onnxruntime-web agrees with the kernel to ${(err / big).toExponential(1)} (relative)`);
    add('onnxruntime-web MatMul', 'f32', await timeAsync(() => runner.run(input)), s.basis.length);
  }


  return { k: K, d: D, runs: RUNS, memcpyGBs, shippedFormat: shipped.format, rows };
}

/** The comparison as markdown lines, and the headline ratios. */
export function kernelTable({ k: K, d: D, runs: RUNS, memcpyGBs, shippedFormat, rows }: KernelBench): string[] {
  const out: string[] = [];
  const find = (method: string, format: string) => rows.find((r) => r.method === method && r.format === format) as KernelRow;
  out.push(`\nPIN projection, K = ${K}, d = ${D}, all components kept (both passes over the whole basis); median of ${RUNS} runs, one thread`);
  out.push(`memcpy (native memmove inside kernel memory): ${memcpyGBs.toFixed(1)} GB/s\n`);
  out.push('| method | basis format | basis MiB | ms / face | basis read GB/s | vs memcpy | kernel speed-up |');
  out.push('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const k = find('kernel (wasm SIMD)', r.format);
    const speedup = r.method === 'kernel (wasm SIMD)' ? '1x' : `${(r.ms / k.ms).toFixed(1)}x`;
    out.push(`| ${r.method} | ${r.format} | ${r.basisMiB.toFixed(1)} | ${r.ms.toFixed(2)} | ${r.readGBs.toFixed(1)} | ${((100 * r.readGBs) / memcpyGBs).toFixed(0)} % | ${speedup} |`);
  }
  const kernelVsScalar = find('scalar TypeScript', shippedFormat === 'f16' ? 'f32' : shippedFormat).ms / find('kernel (wasm SIMD)', shippedFormat === 'f16' ? 'f32' : shippedFormat).ms;
  out.push(`\nshipped format ${shippedFormat}: kernel ${kernelVsScalar.toFixed(1)}x the scalar TypeScript (goal >= 4x), `
    + `${((100 * find('kernel (wasm SIMD)', shippedFormat).readGBs) / memcpyGBs).toFixed(0)} % of memcpy bandwidth (goal >= 50 %); `
    + `f32 kernel ${(find('onnxruntime-web MatMul', 'f32').ms / find('kernel (wasm SIMD)', 'f32').ms).toFixed(1)}x onnxruntime-web`);

  return out;
}
