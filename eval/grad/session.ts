/**
 * @module Gradient sessions on onnxruntime-node: shape probing of a forward model and a
 * runner for its VJP model (eval/grad/vjp.ts), for the input and for the weights. Node only: the
 * attack lab and training never ship to the edge.
 */
import * as ort from 'onnxruntime-node';
import { readModel, tensorValues, writeModel, type Model, type Tensor } from '../onnx/proto.ts';
import { optimizationLevel, sessionOptions, type OptimizationLevel } from './ort-options.ts';
import { batchedModel, reverseModel, trainableParams, vjpModel, type Shapes } from './vjp.ts';

/**
 * Runs the forward model once on zeros with every intermediate tensor exposed, and records shapes.
 * `extraDims`: the shapes of further graph inputs (a loss's target), also fed zeros.
 */
export async function probeShapes(model: Model, inputDims: number[], extraDims: Readonly<Record<string, number[]>> = {}): Promise<Shapes> {
  const g = model.graph;
  const exposed: Model = {
    ...model,
    graph: { ...g, output: [...g.output, ...g.node.flatMap((n) => n.output).filter((o) => !g.output.some((v) => v.name === o)).map((name) => ({ name }))] },
  };
  const session = await ort.InferenceSession.create(writeModel(exposed), { graphOptimizationLevel: 'disabled' });
  const input = session.inputNames[0] as string;
  const zeros = (dims: number[]) => new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
  const out = await session.run({ [input]: zeros(inputDims), ...Object.fromEntries(Object.entries(extraDims).map(([name, dims]) => [name, zeros(dims)])) });
  const shapes = new Map<string, number[]>([[input, inputDims], ...Object.entries(extraDims)]);
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

export async function gradientRunner(modelBytes: Uint8Array, { threads = 2, level = optimizationLevel() }: { threads?: number; level?: OptimizationLevel } = {}): Promise<GradientRunner> {
  const forwardModel = readModel(modelBytes);
  const inDims = forwardModel.graph.input[0]?.type?.tensor_type?.shape?.dim.map((d) => Number(d.dim_value ?? 1));
  if (!inDims) throw new Error('[pinface] [grad] the model input has no static shape');
  const shapes = await probeShapes(forwardModel, inDims);
  const v = vjpModel(forwardModel, shapes);
  const options = sessionOptions(threads, level);
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

export interface ParamGradients {
  /** f(x), row-major over the batch. */
  y: Float32Array;
  /** d<g, f(x)>/dx, when the runner was built with the input gradient. */
  dx?: Float32Array;
  /** d<g, f(x)>/dw per trainable weight, in the runner's `params` order. */
  grads: Float32Array[];
}

type Fetch = 'input-gradient' | 'output';

export interface ParamGradientRunner {
  /** The weights it differentiates for, in order; their current values are what `run` is given. */
  params: readonly string[];
  /** Shapes of the weights, in `params` order. */
  paramDims: ReadonlyArray<readonly number[]>;
  /** The weights the model file holds, in `params` order (copies: free to update). */
  initial(): Float32Array[];
  /**
   * `extra`: the model's further data inputs (a loss's target), batch first. `only`: fetch f(x)
   * and dx, or f(x) alone (grads come back empty): onnxruntime then skips the nodes the fetched
   * outputs do not need, which is what an attack loop on the current weights wants.
   */
  run(x: Float32Array, g: Float32Array, n: number, weights: readonly Float32Array[], extra?: Readonly<Record<string, Float32Array>>, only?: Fetch): Promise<ParamGradients>;
  inputDims: readonly number[];
  outputSize: number;
}

/**
 * Weight gradients of a model (eval/grad/vjp.ts reverseModel): the weights are graph inputs, so
 * one session serves every optimizer step. `params` defaults to every trainable weight.
 */
export async function paramGradientRunner(modelBytes: Uint8Array, { threads = 2, params, inputGradient = false }: { threads?: number; params?: readonly string[]; inputGradient?: boolean } = {}): Promise<ParamGradientRunner> {
  const forwardModel = readModel(modelBytes);
  const weightNames = new Set(forwardModel.graph.initializer.map((t) => t.name));
  const dataInputs = forwardModel.graph.input.filter((v) => !weightNames.has(v.name));
  const [inDims, ...extraDims] = dataInputs.map((v) => v.type?.tensor_type?.shape?.dim.map((d) => Number(d.dim_value ?? 1)));
  if (!inDims || extraDims.some((d) => !d)) throw new Error('[pinface] [grad] the model inputs need static shapes');
  const extraNames = dataInputs.slice(1).map((v) => v.name);
  const shapes = await probeShapes(forwardModel, inDims, Object.fromEntries(extraNames.map((name, i) => [name, extraDims[i] as number[]])));
  const names = params ?? trainableParams(forwardModel);
  const v = reverseModel(forwardModel, shapes, { params: names, inputGradient });
  const session = await ort.InferenceSession.create(writeModel(v.model), sessionOptions(threads));
  const byName = new Map(forwardModel.graph.initializer.map((t) => [t.name, t]));
  const paramDims = names.map((p) => (byName.get(p) as Tensor).dims.map(Number));
  const outShape = shapes.get(v.output) as number[];
  const inner = inDims.slice(1);
  return {
    params: names, paramDims, inputDims: inDims,
    outputSize: outShape.slice(1).reduce((a, b) => a * b, 1),
    initial: () => names.map((p) => tensorValues(byName.get(p) as Tensor).slice()),
    async run(x, g, n, weights, extra = {}, only) {
      const feeds: Record<string, ort.Tensor> = {
        [v.input]: new ort.Tensor('float32', x, [n, ...inner]),
        [v.cotangent]: new ort.Tensor('float32', g, [n, ...outShape.slice(1)]),
      };
      v.extraInputs.forEach((name, i) => {
        const data = extra[name];
        if (!data) throw new Error(`[pinface] [grad] the model needs its input ${name}`);
        feeds[name] = new ort.Tensor('float32', data, [n, ...(extraDims[i] as number[]).slice(1)]);
      });
      names.forEach((p, i) => { feeds[p] = new ort.Tensor('float32', weights[i] as Float32Array, paramDims[i] as number[]); });
      if (only === 'input-gradient' && !v.gradient) throw new Error('[pinface] [grad] this runner was built without the input gradient');
      const out = only ? await session.run(feeds, only === 'output' ? [v.output] : [v.output, v.gradient as string]) : await session.run(feeds);
      return {
        y: out[v.output]?.data as Float32Array,
        ...(v.gradient ? { dx: out[v.gradient]?.data as Float32Array } : {}),
        grads: only ? [] : names.map((p) => out[v.params.get(p) as string]?.data as Float32Array),
      };
    },
  };
}

/**
 * The runner as a fixed-weight GradientRunner (the attack lab's interface) that reads the weights
 * at each call: attacks made during training aim at the network as it is at that step.
 */
export function atWeights(r: ParamGradientRunner, weights: () => readonly Float32Array[]): GradientRunner {
  return {
    inputDims: r.inputDims,
    outputSize: r.outputSize,
    async run(x, g, n) {
      const { y, dx } = await r.run(x, g, n, weights(), {}, 'input-gradient');
      return { y, dx: dx as Float32Array };
    },
    async forward(x, n) {
      return (await r.run(x, new Float32Array(n * r.outputSize), n, weights(), {}, 'output')).y;
    },
  };
}
