/**
 * The training machinery (train/): on a small network with a cosine head, the loss falls, a run
 * interrupted after an epoch and resumed from its checkpoint ends with the same bytes as one
 * that never stopped, and the optimizer math matches its definition.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { paramGradientRunner } from '../../eval/grad/session.ts';
import { trainableParams } from '../../eval/grad/vjp.ts';
import { floatTensor, floatValue, int, ints, node, tensorValues, writeModel, type Model } from '../../eval/onnx/proto.ts';
import { gaussian, uniform } from '../../src/immune/rng.ts';
import { readCheckpoint } from '../../train/checkpoint.ts';
import { interpolateModels } from '../../train/interpolate.ts';
import { identityDefense } from '../../eval/attacks/objective.ts';
import { lossAscent } from '../../train/adversarial.ts';
import { TARGET_INPUT, withCosineLoss } from '../../train/losses.ts';
import { train, type TrainOptions } from '../../train/loop.ts';
import { adamState, adamStep, clipGlobalNorm, learningRate } from '../../train/optimizer.ts';

const dir = mkdtempSync(join(tmpdir(), 'pinface-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** x [1, C, 8, 8] -> conv -> PRelu -> depthwise conv -> flatten -> gemm -> y [1, 6]. */
function tinyNet(channels = 2): Model {
  const rnd = gaussian(3);
  const w = (name: string, dims: number[]) => floatTensor(name, dims, Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => 0.3 * rnd()));
  return {
    ir_version: 8, opset_import: [{ domain: '', version: 11 }],
    graph: {
      name: 'tiny',
      node: [
        node('Conv', ['x', 'c1w', 'c1b'], ['c1'], [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1]), ints('strides', [2, 2])]),
        node('PRelu', ['c1', 'slope'], ['p1']),
        node('Conv', ['p1', 'dw'], ['c2'], [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1]), int('group', 4)]),
        node('Flatten', ['c2'], ['f']),
        node('Gemm', ['f', 'gw', 'gb'], ['y'], [int('transB', 1)]),
      ],
      initializer: [w('c1w', [4, channels, 3, 3]), w('c1b', [4]), floatTensor('slope', [4, 1, 1], new Float32Array(4).fill(0.25)), w('dw', [4, 1, 3, 3]), w('gw', [6, 64]), w('gb', [6])],
      input: [floatValue('x', [1, channels, 8, 8])], output: [floatValue('y', [1, 6])], value_info: [],
    },
  };
}

/** A teacher: fixed random unit targets per input; the net learns to map 16 inputs onto them. */
async function options(name: string, extra: Partial<TrainOptions> = {}): Promise<TrainOptions> {
  const net = tinyNet();
  const runner = await paramGradientRunner(writeModel(withCosineLoss(net, 6)), { threads: 1, params: trainableParams(net) });
  const rnd = gaussian(9);
  const inputs = Float32Array.from({ length: 16 * 128 }, rnd);
  const targets = Float32Array.from({ length: 16 * 6 }, rnd);
  for (let i = 0; i < 16; i++) {
    const t = targets.subarray(i * 6, (i + 1) * 6), n = Math.hypot(...t);
    t.forEach((v, j) => { t[j] = v / n; });
  }
  return {
    runner, epochs: 4, stepsPerEpoch: 8, label: `test:${name}`, key: 'tiny-v1', checkpointPath: join(dir, `${name}.ckpt`),
    schedule: { lr: 0.02, warmup: 4, total: 32, minLr: 0.002 }, adam: { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 }, clip: 10,
    async batch(epoch, step) {
      const r = uniform(epoch * 100 + step + 1);
      const idx = Array.from({ length: 4 }, () => Math.floor(r() * 16));
      const x = new Float32Array(4 * 128), t = new Float32Array(4 * 6);
      idx.forEach((k, b) => { x.set(inputs.subarray(k * 128, (k + 1) * 128), b * 128); t.set(targets.subarray(k * 6, (k + 1) * 6), b * 6); });
      return { x, n: 4, extra: { [TARGET_INPUT]: t } };
    },
    ...extra,
  };
}

describe('training (train/)', () => {
  it('lowers the loss, and a run resumed after an interruption ends bit for bit where an uninterrupted one does', async () => {
    const whole = await train(await options('whole'));
    expect(whole.done).toBe(true);
    expect(whole.history.length).toBe(4);
    expect((whole.history[3]?.loss as number)).toBeLessThan(0.5 * (whole.history[0]?.loss as number));

    const first = await train(await options('split', { stopAfterEpochs: 2 }));
    expect(first.done).toBe(false);
    expect(readCheckpoint<{ epoch: number }>(join(dir, 'split.ckpt'))?.meta.epoch).toBe(2);
    const resumed = await train(await options('split'));
    expect(resumed.resumedFrom).toBe(2);
    expect(resumed.done).toBe(true);
    resumed.weights.forEach((w, i) => expect(Buffer.from(w.buffer).equals(Buffer.from((whole.weights[i] as Float32Array).buffer))).toBe(true));
    expect(resumed.history.map((h) => h.loss)).toEqual(whole.history.map((h) => h.loss));
  });

  it('does not resume a checkpoint of another run', async () => {
    await train(await options('other', { stopAfterEpochs: 1 }));
    const fresh = await train(await options('other', { key: 'tiny-v2', epochs: 1 }));
    expect(fresh.resumedFrom).toBe(0);
  });

  it('AdamW, clipping and the schedule follow their definitions', () => {
    const w = [new Float32Array([1, -2])], g = [new Float32Array([0.5, -0.1])];
    const s = adamState(w);
    adamStep(w, g, s, { beta1: 0.9, beta2: 0.999, eps: 0, weightDecay: 0.1 }, 0.01, [new Float32Array([0, 0])]);
    // First step: m^ = g, v^ = g^2, so the update is lr * (sign(g) + decay * w).
    expect(w[0]?.[0]).toBeCloseTo(1 - 0.01 * (1 + 0.1 * 1), 6);
    expect(w[0]?.[1]).toBeCloseTo(-2 - 0.01 * (-1 + 0.1 * -2), 6);
    const big = [new Float32Array([3, 4])];
    expect(clipGlobalNorm(big, 1)).toBeCloseTo(5, 6);
    expect(Math.hypot(...(big[0] as Float32Array))).toBeCloseTo(1, 6);
    const sched = { lr: 1, warmup: 10, total: 110, minLr: 0.1 };
    expect(learningRate(sched, 0)).toBeCloseTo(0.1, 6);
    expect(learningRate(sched, 9)).toBeCloseTo(1, 6);
    expect(learningRate(sched, 60)).toBeCloseTo(0.55, 6);
    expect(learningRate(sched, 110)).toBeCloseTo(0.1, 6);
  });

  it('the inner attack of adversarial training raises the loss inside its ball; fetching dx alone gives the full run\'s dx', async () => {
    const net = tinyNet(3);
    const runner = await paramGradientRunner(writeModel(withCosineLoss(net, 6)), { threads: 1, params: trainableParams(net), inputGradient: true });
    const w = runner.initial(), rnd = uniform(11), n = 4, P = 64;
    const planes = Array.from({ length: n }, () => Float32Array.from({ length: P }, () => 1.6 * rnd() - 0.8));
    const target = new Float32Array(n * 6).map(() => rnd() - 0.5);
    for (let i = 0; i < n; i++) { const t = target.subarray(i * 6, (i + 1) * 6), m = Math.hypot(...t); t.forEach((v, j) => { t[j] = v / m; }); }
    const input = (ps: Float32Array[]) => { const x = new Float32Array(n * 3 * P); ps.forEach((p, i) => { for (let c = 0; c < 3; c++) x.set(p, (3 * i + c) * P); }); return x; };
    const loss = async (ps: Float32Array[]) => (await runner.run(input(ps), new Float32Array(n), n, w, { [TARGET_INPUT]: target }, 'output')).y;
    const adv = await lossAscent(runner, w, planes, { [TARGET_INPUT]: target }, { eps: 8, steps: 5, alphaRatio: 0.5, rng: uniform(12), defense: identityDefense });
    const before = await loss(planes), after = await loss(adv);
    for (let i = 0; i < n; i++) expect(after[i]).toBeGreaterThan(before[i] as number);
    adv.forEach((a, i) => a.forEach((v, j) => expect(Math.abs(v - (planes[i] as Float32Array)[j]!)).toBeLessThanOrEqual(8 / 128 + 1e-6)));
    const g = new Float32Array(n).fill(1);
    const full = await runner.run(input(planes), g, n, w, { [TARGET_INPUT]: target });
    const only = await runner.run(input(planes), g, n, w, { [TARGET_INPUT]: target }, 'input-gradient');
    expect(only.grads).toEqual([]);
    expect(Array.from(only.dx as Float32Array)).toEqual(Array.from(full.dx as Float32Array));
  });

  it('interpolates weights between two fine-tunings: the ends are the two models, the middle their mean, other graphs refused', () => {
    const a = tinyNet(), b = tinyNet();
    const moved = { ...b, graph: { ...b.graph, initializer: b.graph.initializer.map((t) => floatTensor(t.name, t.dims, tensorValues(t).map((v, i) => v + 1 + i))) } };
    const weightsOf = (m: Model) => m.graph.initializer.map((t) => Array.from(tensorValues(t)));
    expect(weightsOf(interpolateModels(a, moved, 0))).toEqual(weightsOf(a));
    expect(weightsOf(interpolateModels(a, moved, 1))).toEqual(weightsOf(moved));
    const mid = weightsOf(interpolateModels(a, moved, 0.5)), wa = weightsOf(a), wb = weightsOf(moved);
    mid.forEach((w, k) => w.forEach((v, i) => expect(v).toBe(Math.fround(((wa[k]?.[i] as number) + (wb[k]?.[i] as number)) / 2))));
    const other = { ...a, graph: { ...a.graph, node: a.graph.node.slice(0, -1) } };
    expect(() => interpolateModels(a, other, 0.5)).toThrow(/not the same graph/);
  });
});
