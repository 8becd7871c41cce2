/**
 * @module Per-face cost of each network at batch 1, 2 and 4 in onnxruntime-web (one thread, this
 * process): the graph's batch dimension made symbolic with the protobuf tools in eval/onnx, the same
 * weights. Answers whether embedding both faces of a pair in one run pays.
 */
import { readFileSync } from 'node:fs';
import { int64Tensor, int64Values, readModel, writeModel } from '../../eval/onnx/proto.ts';
import { assetUrls } from '../../src/runtime/files.ts';
import { createRunner } from '../../src/wasm/onnx.ts';
import { median } from './workerd.ts';

/** The model with its inputs' and outputs' first dimension named "batch". */
export function withSymbolicBatch(bytes: Uint8Array): Uint8Array {
  const model = readModel(bytes);
  for (const v of [...model.graph.input, ...model.graph.output]) {
    const dims = v.type?.tensor_type?.shape?.dim;
    if (dims?.[0]) dims[0] = { dim_param: 'batch' };
  }
  model.graph.value_info = []; // shapes inferred for batch 1 would contradict the others
  // A Reshape to a constant [1, ...] (the recognizer's flatten) keeps the batch instead (0 copies that dimension).
  const constants = new Map(model.graph.initializer.map((t, i) => [t.name, i]));
  for (const node of model.graph.node.filter((n) => n.op_type === 'Reshape')) {
    const at = constants.get(node.input[1] as string);
    if (at === undefined) continue;
    const shape = int64Values(model.graph.initializer[at]!);
    if (shape[0] === 1) model.graph.initializer[at] = int64Tensor(node.input[1] as string, [shape.length], [0, ...shape.slice(1)]);
  }
  return writeModel(model);
}

export interface BatchRow {
  model: string;
  /** ms per face, median of the runs, by batch size. */
  perFace: Record<1 | 2 | 4, number>;
  /** Every face of a batch-4 run equals its batch-1 run bit for bit. */
  identical: boolean;
}

const NETWORKS = [
  { model: 'recognizer (fr_feature_pin)', file: assetUrls.featurePin, shape: [3, 112, 112] },
  { model: 'detector (fr_detect)', file: assetUrls.detect, shape: [3, 240, 320] },
  { model: 'landmarks (fr_landmark)', file: assetUrls.landmark, shape: [1, 64, 64] },
] as const;

export async function batchTable(runs: number): Promise<BatchRow[]> {
  const wasm = await WebAssembly.compile(readFileSync(assetUrls.ortWasm));
  const rows: BatchRow[] = [];
  for (const { model, file, shape } of NETWORKS) {
    const single = await createRunner(new Uint8Array(readFileSync(file)), { wasm });
    const batched = await createRunner(withSymbolicBatch(new Uint8Array(readFileSync(file))), { wasm });
    const per = (shape as readonly number[]).reduce((a, b) => a * b, 1);
    const faces = Float32Array.from({ length: 4 * per }, (_, i) => Math.sin(i * 0.37) * 0.8);
    const run = (n: 1 | 2 | 4) => (n === 1 ? single : batched).run({ data: faces.slice(0, n * per), dims: [n, ...shape] });
    // Bitwise: each face of the batch against the same face alone.
    const four = await run(4);
    let identical = true;
    for (let f = 0; f < 4 && identical; f++) {
      const alone = await single.run({ data: faces.slice(f * per, (f + 1) * per), dims: [1, ...shape] });
      for (const [name, out] of Object.entries(alone)) {
        const part = (four[name] as Float32Array).subarray(f * out.length, (f + 1) * out.length);
        if (!out.every((v, i) => Object.is(v, part[i]))) identical = false;
      }
    }
    const perFace = {} as Record<1 | 2 | 4, number>;
    for (const n of [1, 2, 4] as const) {
      for (let i = 0; i < 3; i++) await run(n);
      const each: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t = performance.now();
        await run(n);
        each.push((performance.now() - t) / n);
      }
      perFace[n] = median(each);
    }
    rows.push({ model, perFace, identical });
  }
  return rows;
}
