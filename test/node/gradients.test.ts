/**
 * The attack lab's gradients (eval/grad) against numerical derivatives: onnxruntime runs the
 * generated VJP graph in float32; a float64 interpreter of the same model (test/helpers/
 * onnx-reference.ts) gives central differences along random directions.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gradientRunner, probeShapes } from '../../eval/grad/session.ts';
import { vjpModel } from '../../eval/grad/vjp.ts';
import { floatTensor, floatValue, int, int64Tensor, ints, node, readModel, writeModel, type Graph, type Tensor } from '../../eval/onnx/proto.ts';
import { gaussian } from '../../src/immune/rng.ts';
import { runReference } from '../helpers/onnx-reference.ts';
import { loadSurrogate } from '../../eval/surrogate/dlib-resnet.ts';

const modelBytes = (file: string) => new Uint8Array(readFileSync(new URL(`../../models/${file}`, import.meta.url)));

/**
 * Relative error of the directional derivatives over random directions v: ||FD - <dx, v>|| / ||<dx, v>||
 * over the vector of directions, FD from the float64 reference with step h. Per direction it would
 * blow up on a v nearly orthogonal to dx, where float32's absolute error (~1e-3 of |dx|) is all there
 * is (the K = 2500 mean face drew one: -0.224 vs -0.256 with |dx| = 24); a wrong rule is off by O(1).
 */
async function directionalError(bytes: Uint8Array, x: Float32Array, directions: number, seed: number, h = 1e-7): Promise<number> {
  const runner = await gradientRunner(bytes, { threads: 1 });
  const model = readModel(bytes);
  const dims = [...runner.inputDims];
  const rnd = gaussian(seed);
  const g = Float32Array.from({ length: runner.outputSize }, rnd);
  const { dx } = await runner.run(x, g, 1);
  let err2 = 0, norm2 = 0;
  for (let t = 0; t < directions; t++) {
    const v = Float32Array.from({ length: x.length }, rnd);
    let analytic = 0;
    for (let i = 0; i < v.length; i++) analytic += (dx[i] as number) * (v[i] as number);
    const plus = runReference(model, { data: Float64Array.from(x, (xi, i) => xi + h * (v[i] as number)), dims }).data;
    const minus = runReference(model, { data: Float64Array.from(x, (xi, i) => xi - h * (v[i] as number)), dims }).data;
    let numeric = 0;
    for (let i = 0; i < g.length; i++) numeric += ((g[i] as number) * ((plus[i] as number) - (minus[i] as number))) / (2 * h);
    err2 += (numeric - analytic) ** 2;
    norm2 += analytic ** 2;
  }
  return Math.sqrt(err2 / norm2);
}

/**
 * A face as the recognizers get it: the first aligned face of the attack fixtures (not the shipped
 * space's mean, so the check does not move when the space is refitted), gray in [-1, 1] on three
 * planes, plus a little seeded noise.
 */
function faceInput(seed: number): Float32Array {
  const d = 112 * 112;
  const px = readFileSync(new URL('../fixtures/attack/faces.u8', import.meta.url)).subarray(0, d);
  const rnd = gaussian(seed);
  const x = new Float32Array(3 * d);
  for (let c = 0; c < 3; c++) for (let j = 0; j < d; j++) x[c * d + j] = ((px[j] as number) - 127) / 128 + 0.05 * rnd();
  return x;
}

/** A test graph from x [1, 2, 9, 10] to y [1, 3]; `w` draws seeded random weights in call order. */
function zooModel(name: string, opset: number, seed: number, build: (w: (name: string, dims: number[]) => Tensor) => Pick<Graph, 'node' | 'initializer'>): Uint8Array {
  const rnd = gaussian(seed);
  const w = (n: string, dims: number[]) => floatTensor(n, dims, Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => 0.3 * rnd()));
  return writeModel({
    ir_version: 8,
    opset_import: [{ domain: '', version: opset }],
    graph: { name, ...build(w), input: [floatValue('x', [1, 2, 9, 10])], output: [floatValue('y', [1, 3])], value_info: [] },
  });
}

/** Every rule of the recognizer's kind: strided grouped Conv with uneven pads, BN, Relu, broadcast Add/Sub/Mul, Flatten, Gemm, MatMul. */
const ruleZoo = (): Uint8Array => zooModel('zoo', 11, 21, (w) => ({
  node: [
    node('Conv', ['x', 'w1', 'b1'], ['c1'], [ints('kernel_shape', [3, 3]), ints('strides', [2, 2]), ints('pads', [1, 0, 0, 1]), int('group', 2)]),
    node('BatchNormalization', ['c1', 'bn_s', 'bn_b', 'bn_m', 'bn_v'], ['bn'], [{ name: 'epsilon', type: 1, f: 1e-3 }]),
    node('Relu', ['bn'], ['r']),
    node('Add', ['r', 'bias'], ['a']),
    node('Mul', ['a', 'scale'], ['m']),
    node('Sub', ['m', 'r'], ['s']),
    node('Flatten', ['s'], ['f']),
    node('Gemm', ['f', 'gw', 'gb'], ['gm'], [int('transB', 1)]),
    node('MatMul', ['gm', 'mm'], ['y']),
  ],
  initializer: [
    w('w1', [4, 1, 3, 3]), w('b1', [4]), w('bn_s', [4]), w('bn_b', [4]), w('bn_m', [4]),
    floatTensor('bn_v', [4], new Float32Array([0.5, 1, 2, 0.8])), w('bias', [4, 1, 1]), w('scale', [4, 1, 1]),
    w('gw', [6, 4 * 4 * 5]), w('gb', [6]), w('mm', [6, 3]),
  ],
}));

/** The rules the transfer surrogate adds: overlapping padded MaxPool, Pad, Transpose, a batched MatMul. */
const poolZoo = (): Uint8Array => zooModel('pool_zoo', 17, 23, (w) => ({
  node: [
    node('Conv', ['x', 'w1'], ['c1'], [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1])]),
    node('MaxPool', ['c1'], ['mp'], [ints('kernel_shape', [3, 3]), ints('strides', [2, 2]), ints('pads', [1, 0, 0, 1])]),
    node('Pad', ['mp', 'pads'], ['pd']),
    node('Transpose', ['pd'], ['tr'], [ints('perm', [0, 3, 1, 2])]),
    node('MatMul', ['tr', 'mm'], ['m4']),
    node('Flatten', ['m4'], ['f']),
    node('MatMul', ['f', 'out'], ['y']),
  ],
  initializer: [w('w1', [3, 2, 3, 3]), int64Tensor('pads', [8], [0, 0, 1, 0, 0, 0, 0, 2]), w('mm', [5, 4]), w('out', [7 * 3 * 4, 3])],
}));

describe('ONNX reverse mode (eval/grad)', () => {
  it('recognizer: the VJP matches float64 central differences within 1e-3 on random directions', async () => {
    // h = 1e-9: a step of 1e-7 moves some of the network's ~10^6 PRelu inputs across zero on a real face, and
    // each crossing is an error of the finite difference, not of the gradient (3.5e-3 at 1e-7, below 1e-3 at 1e-9;
    // float64 round-off stays ~1e-7 of the derivative).
    expect(await directionalError(modelBytes('fr_feature.onnx'), faceInput(4), 2, 9, 1e-9)).toBeLessThan(1e-3);
  });

  it('every other rule (grouped strided conv, BN, Relu, broadcasts, Flatten, Gemm, MatMul) matches too', async () => {
    const rnd = gaussian(8);
    expect(await directionalError(ruleZoo(), Float32Array.from({ length: 2 * 9 * 10 }, rnd), 4, 3)).toBeLessThan(1e-3);
  });

  it('MaxPool (overlapping, padded), Pad, Transpose and a batched MatMul match too', async () => {
    const rnd = gaussian(5);
    expect(await directionalError(poolZoo(), Float32Array.from({ length: 2 * 9 * 10 }, rnd), 4, 7)).toBeLessThan(1e-3);
  });

  it('the transfer surrogate (dlib ResNet rebuilt from face-api weights): VJP within 1e-3, batches independent', async () => {
    const bytes = loadSurrogate(new URL('../../models/', import.meta.url).pathname);
    const rnd = gaussian(11);
    const x = faceInput(11);
    expect(await directionalError(bytes, x, 2, 13)).toBeLessThan(1e-3);
    // MaxPool's indices run over the whole batch: the second sample must get its own gradient.
    const runner = await gradientRunner(bytes, { threads: 1 });
    const two = Float32Array.from({ length: 2 * x.length }, (_, i) => (x[i % x.length] as number) + (i >= x.length ? 0.1 * rnd() : 0));
    const g = Float32Array.from({ length: 2 * runner.outputSize }, rnd);
    const both = await runner.run(two, g, 2);
    const second = await runner.run(two.subarray(x.length), g.subarray(runner.outputSize), 1);
    for (let i = 0; i < x.length; i += 89) expect(both.dx[x.length + i]).toBeCloseTo(second.dx[i] as number, 6);
  });

  it('a batch gives each sample the gradient it gets alone', async () => {
    const runner = await gradientRunner(modelBytes('fr_feature.onnx'), { threads: 1 });
    const rnd = gaussian(6);
    const size = 3 * 112 * 112;
    const x = Float32Array.from({ length: 2 * size }, () => 0.3 * rnd());
    const g = Float32Array.from({ length: 2 * 512 }, rnd);
    const both = await runner.run(x, g, 2);
    const second = await runner.run(x.subarray(size), g.subarray(512), 1);
    expect(both.dx.length).toBe(2 * size);
    for (let i = 0; i < size; i += 97) expect(both.dx[size + i]).toBeCloseTo(second.dx[i] as number, 6);
    expect(Array.from(both.y.subarray(512))).toEqual(Array.from(second.y));
  });

  // eval:worst-case --threads N splits a day-long run over processes and resumes units made at
  // another count: that is only sound if the count changes no bit of what the attacks see.
  it('gives the same bits at one thread and at two (forward, value and input gradient)', async () => {
    const bytes = modelBytes('fr_feature.onnx');
    const one = await gradientRunner(bytes, { threads: 1 }), two = await gradientRunner(bytes, { threads: 2 });
    const rnd = gaussian(7);
    const n = 4, size = 3 * 112 * 112;
    const x = Float32Array.from({ length: n * size }, () => 0.3 * rnd());
    const g = Float32Array.from({ length: n * 512 }, rnd);
    const bits = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    const [a, b] = [await one.run(x, g, n), await two.run(x, g, n)];
    expect(bits(a.dx).equals(bits(b.dx))).toBe(true);
    expect(bits(a.y).equals(bits(b.y))).toBe(true);
    expect(bits(await one.forward(x, n)).equals(bits(await two.forward(x, n)))).toBe(true);
  });

  it('fails loudly on an op it has no rule for (the detector ends in Softmax)', async () => {
    const detector = readModel(modelBytes('fr_detect.onnx'));
    const shapes = await probeShapes(detector, [1, 3, 240, 320]);
    expect(() => vjpModel(detector, shapes)).toThrow(/no gradient rule for Softmax/);
  });
});
