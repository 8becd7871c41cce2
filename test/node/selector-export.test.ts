/**
 * The learned selector's export round trip: the training graph (TensorFlow.js, scripts/lib/
 * selector-tf.ts) and the shipped file run by the edge code (plain TS and the SIMD kernel) give
 * the same keep probabilities, and the committed selector loads and yields valid masks.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { netFromVars, selectorLogits, selectorVars } from '../../scripts/lib/selector-tf.ts';
import { nodeKernel } from '../../scripts/lib/node-kernel.ts';
import { kernelDense } from '../../src/immune/project.ts';
import { gaussian } from '../../src/immune/rng.ts';
import { parseSelector, serializeSelector, type SelectorNet } from '../../src/immune/selector-file.ts';
import { learnedFeatures, pinLearned, sampleMask, type SelectorInput } from '../../src/immune/selectors.ts';
import { parseSpace } from '../../src/immune/space-file.ts';

const space = parseSpace(new Uint8Array(readFileSync(new URL('../../models/immune-space.bin', import.meta.url))));
const inputs: SelectorInput[] = [7, 8, 9].map((seed) => {
  const g = gaussian(seed);
  return { coeffs: Float32Array.from(space.variances, (v) => Math.sqrt(v) * g()), inputEnergy: (0.2 + 0.05 * seed) * space.d, d: space.d };
});

describe('learned selector export', () => {
  it('TensorFlow.js training graph == exported file on plain TS and on the kernel (1e-5)', async () => {
    await tf.setBackend('cpu');
    const g = gaussian(3);
    const fill = (n: number, s: number) => Float32Array.from({ length: n }, () => s * g());
    const kp = Math.ceil(space.k / 16) * 16;
    const net: SelectorNet = {
      k: space.k, kp, hidden: 32, lambda: 1e-6, noise: 0.04, seed: 3,
      alpha: fill(space.k, 0.3).map((v) => 1.7 + v), bias: fill(space.k, 0.3), b1: fill(32, 0.1), w1: fill(32 * kp, 0.05), w2: fill(space.k * 32, 0.1),
    };
    const vars = selectorVars(net);
    const feats = inputs.map((x) => learnedFeatures(x, net));
    const x = tf.tensor2d(Float32Array.from(feats.flatMap((f) => [...f.input])), [inputs.length, net.kp]);
    const m = tf.tensor2d(Float32Array.from(feats.flatMap((f) => [...f.margin])), [inputs.length, net.k]);
    const trained = tf.sigmoid(selectorLogits(vars, x, m)).dataSync() as Float32Array;
    const shipped = parseSelector(serializeSelector(netFromVars(net, vars)));
    const kernelSelect = pinLearned(shipped, kernelDense(await nodeKernel(), shipped));
    inputs.forEach((input, r) => {
      const row = trained.subarray(r * net.k, (r + 1) * net.k);
      for (const p of [pinLearned(shipped)(input), kernelSelect(input)]) {
        let worst = 0;
        p.forEach((v, k) => { worst = Math.max(worst, Math.abs(v - (row[k] as number))); });
        expect(worst).toBeLessThan(1e-5);
      }
    });
  });

  it('the committed selector fits the space, yields probabilities in [0, 1] and masks of K components', () => {
    const net = parseSelector(new Uint8Array(readFileSync(new URL('../../models/pin-selector.bin', import.meta.url))));
    expect(net.k).toBe(space.k);
    for (const input of inputs) {
      const p = pinLearned(net)(input);
      expect(p.length).toBe(space.k);
      expect(p.every((v) => v >= 0 && v <= 1)).toBe(true);
      const mask = sampleMask(p, 1);
      expect(mask.length).toBe(space.k);
      const kept = mask.reduce((a, b) => a + b, 0);
      expect(kept).toBeGreaterThan(0);
      expect(kept).toBeLessThan(space.k);
    }
  });
});
