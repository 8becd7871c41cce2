/**
 * @module Gradient sessions on onnxruntime-node: shape probing of a forward model and a
 * runner for its VJP model (eval/grad/vjp.ts). Node only: the attack lab never ships to the edge.
 */
import * as ort from 'onnxruntime-node';
import { readModel, writeModel, type Model } from '../onnx/proto.ts';
import { batchedModel, vjpModel, type Shapes } from './vjp.ts';

/** Runs the forward model once on zeros with every intermediate tensor exposed, and records shapes. */
export async function probeShapes(model: Model, inputDims: number[]): Promise<Shapes> {
  const g = model.graph;
  const exposed: Model = {
    ...model,
    graph: { ...g, output: [...g.output, ...g.node.flatMap((n) => n.output).filter((o) => !g.output.some((v) => v.name === o)).map((name) => ({ name }))] },
  };
  const session = await ort.InferenceSession.create(writeModel(exposed), { graphOptimizationLevel: 'disabled' });
  const input = session.inputNames[0] as string;
  const out = await session.run({ [input]: new ort.Tensor('float32', new Float32Array(inputDims.reduce((a, b) => a * b, 1)), inputDims) });
  const shapes = new Map<string, number[]>([[input, inputDims]]);
  for (const [name, t] of Object.entries(out)) shapes.set(name, t.dims.map(Number));
  return shapes;
}

export interface GradientRunner {
  /** f(x) and d<g, f(x)>/dx for a batch of n inputs (x: n x inputSize, g: n x outputSize). */
  run(x: Float32Array, g: Float32Array, n: number): Promise<{ y: Float32Array; dx: Float32Array }>;
  /** f(x) alone (the forward model, same session options). */
  forward(x: Float32Array, n: number): Promise<Float32Array>;
  inputDims: readonly number[];
  outputSize: number;
}

export async function gradientRunner(modelBytes: Uint8Array, { threads = 2 } = {}): Promise<GradientRunner> {
  const forwardModel = readModel(modelBytes);
  const inDims = forwardModel.graph.input[0]?.type?.tensor_type?.shape?.dim.map((d) => Number(d.dim_value ?? 1));
  if (!inDims) throw new Error('[pinface] [grad] the model input has no static shape');
  const shapes = await probeShapes(forwardModel, inDims);
  const v = vjpModel(forwardModel, shapes);
  const options: ort.InferenceSession.SessionOptions = { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' };
  const session = await ort.InferenceSession.create(writeModel(v.model), options);
  const forwardSession = await ort.InferenceSession.create(writeModel(batchedModel(forwardModel, shapes)), options);
  const outShape = shapes.get(v.output) as number[];
  const outputSize = outShape.slice(1).reduce((a, b) => a * b, 1);
  const inner = inDims.slice(1);
  return {
    inputDims: inDims,
    outputSize,
    async run(x, g, n) {
      const out = await session.run({
        [v.input]: new ort.Tensor('float32', x, [n, ...inner]),
        [v.cotangent]: new ort.Tensor('float32', g, [n, ...outShape.slice(1)]),
      });
      return { y: out[v.output]?.data as Float32Array, dx: out[v.gradient]?.data as Float32Array };
    },
    async forward(x, n) {
      const out = await forwardSession.run({ [v.input]: new ort.Tensor('float32', x, [n, ...inner]) });
      return out[v.output]?.data as Float32Array;
    },
  };
}
