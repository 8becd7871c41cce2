/**
 * Weight gradients (eval/grad/vjp.ts reverseModel, the training machinery) against float64 central
 * differences: for a random direction V over a group of weights, <dW, V> from onnxruntime against
 * (<g, f(W + hV)> - <g, f(W - hV)>) / 2h from the float64 reference (h = 1e-8: at 1e-6 a step over
 * millions of weights moves some PRelu inputs across their kink). Each rule gets its own group,
 * so a wrong rule cannot hide behind the large gradients of another.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { paramGradientRunner, probeShapes } from '../../eval/grad/session.ts';
import { reverseModel, trainableParams } from '../../eval/grad/vjp.ts';
import { floatTensor, floatValue, int, ints, node, readModel, tensorValues, writeModel, type Graph, type Model, type Tensor } from '../../eval/onnx/proto.ts';
import { gaussian } from '../../src/immune/rng.ts';
import { runReference } from '../helpers/onnx-reference.ts';

const recognizerBytes = new Uint8Array(readFileSync(new URL('../../models/fr_feature.onnx', import.meta.url)));

interface Probe { model: Model; bytes: Uint8Array; x: Float32Array; dims: number[] }

/** Max over directions of the relative error of <dW, V> restricted to `group`, V Gaussian on the group's weights. */
async function paramError(p: Probe, group: readonly string[], directions: number, seed: number, h = 1e-8): Promise<number> {
  const runner = await paramGradientRunner(p.bytes, { threads: 1, params: group });
  const rnd = gaussian(seed);
  const g = Float32Array.from({ length: runner.outputSize }, rnd);
  const weights = runner.initial();
  const { grads } = await runner.run(p.x, g, 1, weights);
  let worst = 0;
  for (let t = 0; t < directions; t++) {
    const v = weights.map((w) => Float64Array.from(w, () => rnd()));
    let analytic = 0;
    grads.forEach((dw, i) => { for (let j = 0; j < dw.length; j++) analytic += (dw[j] as number) * ((v[i] as Float64Array)[j] as number); });
    const at = (s: number) => new Map(group.map((name, i) => [name, Float64Array.from(weights[i] as Float32Array, (w, j) => w + s * h * ((v[i] as Float64Array)[j] as number))]));
    const plus = runReference(p.model, { data: p.x, dims: p.dims }, at(1)).data, minus = runReference(p.model, { data: p.x, dims: p.dims }, at(-1)).data;
    let numeric = 0;
    for (let i = 0; i < g.length; i++) numeric += ((g[i] as number) * ((plus[i] as number) - (minus[i] as number))) / (2 * h);
    worst = Math.max(worst, Math.abs(numeric - analytic) / Math.abs(analytic));
  }
  return worst;
}

/** The recognizer's weights by the rule that differentiates them. */
function recognizerGroups(model: Model): Record<string, string[]> {
  const init = new Map(model.graph.initializer.map((t) => [t.name, t]));
  const groups: Record<string, string[]> = { 'Conv weight, dense': [], 'Conv weight, depthwise': [], 'Conv bias': [], 'PRelu slope': [] };
  for (const n of model.graph.node) {
    if (n.op_type === 'Conv') {
      const groupAttr = Number(n.attribute.find((a) => a.name === 'group')?.i ?? 1);
      (groupAttr > 1 ? groups['Conv weight, depthwise'] : groups['Conv weight, dense'])?.push(n.input[1] as string);
      if (n.input[2] && init.has(n.input[2])) groups['Conv bias']?.push(n.input[2]);
    }
    if (n.op_type === 'PRelu') groups['PRelu slope']?.push(n.input[1] as string);
  }
  return groups;
}

/** A face-like input: a smooth gradient image plus noise, on three planes. */
function faceLike(seed: number): Float32Array {
  const rnd = gaussian(seed);
  return Float32Array.from({ length: 3 * 112 * 112 }, (_, i) => ((i % 112) / 112 - 0.5) * 0.8 + 0.1 * rnd());
}

/**
 * The other rules a training graph may meet: general grouped Conv (2 in-channels per group) with
 * stride, dilation and uneven pads; BN scale/bias; Gemm B and C; MatMul B over a batched A; weights
 * in Add and Mul; and a cosine head (ReduceSum, Sqrt, Div) as a loss would append.
 */
function zoo(): Probe {
  const rnd = gaussian(31);
  const w = (n: string, dims: number[], scale = 0.3) => floatTensor(n, dims, Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => scale * rnd()));
  const graph: Graph = {
    name: 'param_zoo',
    node: [
      node('Conv', ['x', 'w1', 'b1'], ['c1'], [ints('kernel_shape', [3, 3]), ints('strides', [2, 1]), ints('dilations', [1, 2]), ints('pads', [1, 0, 2, 1]), int('group', 2)]),
      node('BatchNormalization', ['c1', 'bn_s', 'bn_b', 'bn_m', 'bn_v'], ['bn'], [{ name: 'epsilon', type: 1, f: 1e-3 }]),
      node('PRelu', ['bn', 'slope'], ['pr']),
      node('Add', ['pr', 'shift'], ['a']),
      node('Mul', ['a', 'gain'], ['m']),
      node('Transpose', ['m', ], ['tr'], [ints('perm', [0, 2, 3, 1])]),
      node('MatMul', ['tr', 'mm'], ['mt']),
      node('Flatten', ['mt'], ['f']),
      node('Gemm', ['f', 'gw', 'gb'], ['gm'], [int('transB', 1), { name: 'alpha', type: 1, f: 0.7 }, { name: 'beta', type: 1, f: 1.3 }]),
      node('Mul', ['gm', 'gm'], ['sq']),
      node('ReduceSum', ['sq'], ['ss'], [ints('axes', [1]), int('keepdims', 1)]),
      node('Sqrt', ['ss'], ['norm']),
      node('Div', ['gm', 'norm'], ['y']),
    ],
    initializer: [
      w('w1', [6, 2, 3, 3]), w('b1', [6]), w('bn_s', [6]), w('bn_b', [6]), w('bn_m', [6]),
      floatTensor('bn_v', [6], new Float32Array([0.5, 1, 2, 0.8, 1.5, 0.7])), w('slope', [6, 1, 1]), w('shift', [6, 1, 1]), w('gain', [6, 1, 1]),
      w('mm', [6, 3]), w('gw', [5, 5 * 7 * 3]), w('gb', [5]),
    ],
    input: [floatValue('x', [1, 4, 9, 10])], output: [floatValue('y', [1, 5])], value_info: [],
  };
  const model: Model = { ir_version: 8, opset_import: [{ domain: '', version: 11 }], graph };
  return { model, bytes: writeModel(model), x: Float32Array.from({ length: 4 * 9 * 10 }, gaussian(32)), dims: [1, 4, 9, 10] };
}

describe('weight gradients (eval/grad reverseModel)', () => {
  const recognizer: Probe = { model: readModel(recognizerBytes), bytes: recognizerBytes, x: faceLike(3), dims: [1, 3, 112, 112] };
  const groups = recognizerGroups(recognizer.model);

  it('covers every trainable weight of the recognizer', () => {
    const all = Object.values(groups).flat().sort();
    expect(all).toEqual([...trainableParams(recognizer.model)].sort());
    expect(all.length).toBeGreaterThan(100);
    for (const [name, members] of Object.entries(groups)) expect(members.length, name).toBeGreaterThan(0);
  });

  for (const name of ['Conv weight, dense', 'Conv weight, depthwise', 'Conv bias', 'PRelu slope']) {
    it(`recognizer, ${name}: within 1e-3 of float64 central differences`, async () => {
      expect(await paramError(recognizer, groups[name] as string[], 2, 17)).toBeLessThan(1e-3);
    });
  }

  it('zoo: grouped strided dilated Conv, BN, PRelu, Add/Mul weights, MatMul, Gemm and a cosine head, each within 1e-3', async () => {
    const z = zoo();
    for (const group of [['w1'], ['b1'], ['bn_s', 'bn_b'], ['slope'], ['shift', 'gain'], ['mm'], ['gw'], ['gb']]) {
      expect(await paramError(z, group, 3, 41), group.join(',')).toBeLessThan(1e-3);
    }
  });

  it('a batch sums the per-sample weight gradients, and the input gradient agrees with the attack lab runner', async () => {
    const z = zoo();
    const runner = await paramGradientRunner(z.bytes, { threads: 1, inputGradient: true });
    const rnd = gaussian(5);
    const x2 = Float32Array.from({ length: 2 * z.x.length }, rnd), g2 = Float32Array.from({ length: 10 }, rnd);
    const w = runner.initial();
    const both = await runner.run(x2, g2, 2, w);
    const first = await runner.run(x2.subarray(0, z.x.length), g2.subarray(0, 5), 1, w);
    const second = await runner.run(x2.subarray(z.x.length), g2.subarray(5), 1, w);
    both.grads.forEach((gw, i) => {
      for (let j = 0; j < gw.length; j++) expect(gw[j]).toBeCloseTo((first.grads[i]?.[j] as number) + (second.grads[i]?.[j] as number), 4);
    });
    expect(both.dx?.subarray(z.x.length)[7]).toBeCloseTo(second.dx?.[7] as number, 5);
  });

  it('the check has teeth: a weight rule that swaps the kernel axes is caught', async () => {
    // Build the training graph, then break the dense weight rule the way a plausible bug would.
    const z = zoo();
    const v = reverseModel(z.model, await probeShapes(z.model, z.dims), { params: ['w1'], inputGradient: false });
    const broken = v.model.graph.node.map((n) => (n.op_type === 'Transpose' && n.output[0]?.endsWith('_conv_dw') ? { ...n, attribute: [ints('perm', [1, 0, 3, 2])] } : n));
    expect(broken).not.toEqual(v.model.graph.node);
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(writeModel({ ...v.model, graph: { ...v.model.graph, node: broken } }));
    const weights = tensorValues(z.model.graph.initializer.find((t) => t.name === 'w1') as Tensor);
    const g = Float32Array.from({ length: 5 }, gaussian(8));
    const out = await session.run({ [v.input]: new ort.Tensor('float32', z.x, z.dims), [v.cotangent]: new ort.Tensor('float32', g, [1, 5]), w1: new ort.Tensor('float32', weights, [6, 2, 3, 3]) });
    const wrong = out[v.params.get('w1') as string]?.data as Float32Array;
    const right = (await (await paramGradientRunner(z.bytes, { threads: 1, params: ['w1'] })).run(z.x, g, 1, [weights])).grads[0] as Float32Array;
    let diff = 0, norm = 0;
    for (let i = 0; i < right.length; i++) { diff += ((wrong[i] ?? 0) - (right[i] as number)) ** 2; norm += (right[i] as number) ** 2; }
    expect(Math.sqrt(diff / norm)).toBeGreaterThan(0.1);
  });
});
