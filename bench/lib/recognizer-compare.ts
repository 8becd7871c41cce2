/**
 * @module The recognizer per face in workerd against the same onnxruntime-web build in Node: the
 * service's runner over the same wasm and model, one fixed aligned input, both sides pinned to one
 * CPU and measured in alternating blocks (Node, workerd, Node, ...). This machine's vCPUs slow down
 * by 1.3-3x for seconds at a time, for wasm and plain JS alike and invisibly to the guest (no steal
 * time): measured one after the other, two runtimes can land in different phases, which is what made
 * an earlier bench say "workerd 1.6x slower". The per-block ratio cancels that. workerd is timed by
 * the isolate's clock (what `timings.embed` reports) and from outside, as the difference between
 * requests that run it 1 and 21 times (the client's clock, which workerd cannot coarsen).
 */
import { readFileSync } from 'node:fs';
import type { ModelRunner } from '../../src/pipeline/model.ts';
import { assetUrls } from '../../src/runtime/files.ts';
import { createRunner } from '../../src/wasm/onnx.ts';
import { startWorkerd } from '../../test/contract/process-target.ts';
import { allCpus, pinTree } from './cpus.ts';
import { median } from './workerd.ts';

const BLOCKS = 9, N = 21;
const input = Float32Array.from({ length: 3 * 112 * 112 }, (_, i) => Math.sin(i * 0.37) * 0.8);

export interface RecognizerComparison {
  /** The CPU both sides ran on; undefined: wherever the scheduler put them. */
  cpu: number | undefined;
  blocks: number;
  /** Medians over blocks of each block's median run, ms. */
  nodeMs: number;
  workerdInsideMs: number;
  workerdOutsideMs: number;
  /** Median, lowest and highest of the per-block ratio workerd (isolate clock) / Node. */
  ratio: { median: number; min: number; max: number };
  /** Distinct values the isolate's clock gave over its runs (a coarse clock gives few). */
  insideDistinct: number;
  insideRuns: number;
  /** The original recognizer (defense none), the same way with fewer blocks. */
  original: { nodeMs: number; workerdMs: number };
}

const percent = (xs: number[]) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });

export async function compareRecognizer(cpu: number | undefined, log: (s: string) => void): Promise<RecognizerComparison> {
  if (cpu !== undefined) pinTree(process.pid, String(cpu));
  try {
    const wasm = await WebAssembly.compile(readFileSync(assetUrls.ortWasm));
    const runner = (file: URL) => createRunner(new Uint8Array(readFileSync(file)), { wasm });
    const nodeRuns = async (r: ModelRunner, n: number): Promise<number[]> => {
      const each: number[] = [];
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        await r.run({ data: input, dims: [1, 3, 112, 112] });
        each.push(performance.now() - t);
      }
      return each;
    };
    const server = await startWorkerd({ script: 'bench/recognizer-worker.ts' });
    try {
      const call = async (n: number, extra = '') => {
        const t = performance.now();
        const body = (await (await fetch(`${server.url}/v1/bench-recognizer?n=${n}${extra}`)).json()) as { each: number[] };
        return { ms: performance.now() - t, each: body.each };
      };
      /** Alternating blocks on one model; returns per-block medians. */
      const alternate = async (file: URL, query: string, blocks: number) => {
        const node = await runner(file);
        for (let i = 0; i < 3; i++) { await nodeRuns(node, N); await call(N, query); } // warm-up: sessions, tier-up
        const out = { node: [] as number[], inside: [] as number[], outside: [] as number[], all: [] as number[] };
        for (let b = 0; b < blocks; b++) {
          out.node.push(median(await nodeRuns(node, N)));
          const one = await call(1, query), many = await call(N, query);
          out.inside.push(median(many.each));
          out.all.push(...many.each);
          out.outside.push((many.ms - one.ms) / (N - 1));
        }
        return out;
      };
      const pin = await alternate(assetUrls.featurePin, '', BLOCKS);
      const original = await alternate(assetUrls.feature, '&model=feature', 3);
      const result: RecognizerComparison = {
        cpu, blocks: BLOCKS, nodeMs: median(pin.node), workerdInsideMs: median(pin.inside), workerdOutsideMs: median(pin.outside),
        ratio: percent(pin.inside.map((w, i) => w / (pin.node[i] as number))),
        insideDistinct: new Set(pin.all.map((x) => x.toFixed(3))).size, insideRuns: pin.all.length,
        original: { nodeMs: median(original.node), workerdMs: median(original.inside) },
      };
      log(`recognizer on CPU ${cpu ?? 'any'}: Node ${result.nodeMs.toFixed(1)} ms, workerd ${result.workerdInsideMs.toFixed(1)} (isolate clock) / ${result.workerdOutsideMs.toFixed(1)} (outside); per-block ratio ${result.ratio.median.toFixed(2)} (${result.ratio.min.toFixed(2)}-${result.ratio.max.toFixed(2)})`);
      return result;
    } finally {
      await server.stop();
    }
  } finally {
    if (cpu !== undefined) pinTree(process.pid, allCpus());
  }
}

/** The comparison as markdown rows, one per CPU. */
export function recognizerTable(rows: RecognizerComparison[]): string[] {
  const f = (x: number) => x.toFixed(1), x2 = (x: number) => x.toFixed(2);
  return [
    '| CPU | Node, onnxruntime-web, ms | workerd, isolate clock, ms | workerd, from outside, ms | workerd / Node per block: median (range) | original recognizer Node / workerd, ms |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.cpu ?? 'any'} | ${f(r.nodeMs)} | ${f(r.workerdInsideMs)} (${r.insideDistinct} distinct values in ${r.insideRuns} runs) | ${f(r.workerdOutsideMs)} | ${x2(r.ratio.median)} (${x2(r.ratio.min)}-${x2(r.ratio.max)}) | ${f(r.original.nodeMs)} / ${f(r.original.workerdMs)} |`),
  ];
}
