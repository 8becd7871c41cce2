/**
 * The learned selector's edge path: its file format, the SIMD kernel running its dense layers
 * against the plain-TS forward, and its starting point (the closed form).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nodeKernel } from '../../scripts/lib/node-kernel.ts';
import { kernelDense } from '../../src/immune/project.ts';
import { gaussian } from '../../src/immune/rng.ts';
import { parseSelector, serializeSelector, type SelectorNet } from '../../src/immune/selector-file.ts';
import { pinLearned, pinThreshold, type SelectorInput } from '../../src/immune/selectors.ts';
import { parseSpace } from '../../src/immune/space-file.ts';

const K = 1000, KP = 1008, H = 128, D = 12544;
const randomNet = (seed: number, w2Scale = 0.05): SelectorNet => {
  const g = gaussian(seed);
  const fill = (n: number, s: number) => Float32Array.from({ length: n }, () => s * g());
  return {
    k: K, kp: KP, hidden: H, lambda: 1e-6, noise: 0.04, seed,
    alpha: fill(K, 0.3).map((v) => 1.7 + v), bias: fill(K, 0.2), b1: fill(H, 0.1), w1: fill(H * KP, 0.05), w2: fill(K * H, w2Scale),
  };
};

/** Coefficients of a face-like input: the fitted space's variances give each component a realistic scale. */
function faceInput(seed: number): SelectorInput {
  const space = parseSpace(new Uint8Array(readFileSync(new URL('../../models/immune-space.bin', import.meta.url))));
  const g = gaussian(seed);
  const coeffs = Float32Array.from(space.variances, (v) => Math.sqrt(v) * g());
  return { coeffs, inputEnergy: 0.25 * D, d: D };
}

describe('learned selector', () => {
  it('round-trips through its file format', () => {
    const net = randomNet(1);
    const back = parseSelector(serializeSelector(net));
    expect({ ...back, alpha: [...back.alpha], w2: [...back.w2] }).toMatchObject({ k: K, kp: KP, hidden: H, seed: 1, alpha: [...net.alpha], w2: [...net.w2] });
    expect(back.lambda).toBeCloseTo(1e-6, 12);
    expect(() => parseSelector(serializeSelector(net).subarray(0, 1000))).toThrow(/truncated/);
    expect(() => parseSelector(new Uint8Array(64))).toThrow(/not a PINL/);
  });

  it('on the SIMD kernel gives the plain-TS probabilities (1e-5)', async () => {
    const net = randomNet(2);
    const input = faceInput(3);
    const plain = pinLearned(net)(input);
    const simd = pinLearned(net, kernelDense(await nodeKernel(), net))(input);
    expect(plain.length).toBe(K);
    let worst = 0;
    for (let k = 0; k < K; k++) worst = Math.max(worst, Math.abs((plain[k] as number) - (simd[k] as number)));
    expect(worst).toBeLessThan(1e-5);
    // The hidden layer matters: these are not the closed form's probabilities.
    const closed = pinThreshold({ lambda: net.lambda, noise: net.noise })(input);
    expect(Math.max(...plain.map((p, k) => Math.abs(p - (closed[k] as number))))).toBeGreaterThan(0.05);
  });

  it('starts at the closed form: with W2 = 0, alpha = 1.702 and no bias it is pin-threshold within 0.02', () => {
    const net = { ...randomNet(4), alpha: new Float32Array(K).fill(1.702), bias: new Float32Array(K), w2: new Float32Array(K * H) };
    for (const seed of [5, 6]) {
      const input = faceInput(seed);
      const learned = pinLearned(net)(input);
      const closed = pinThreshold({ lambda: net.lambda, noise: net.noise })(input);
      for (let k = 0; k < K; k++) {
        expect(learned[k]).toBeGreaterThanOrEqual(0);
        expect(learned[k]).toBeLessThanOrEqual(1);
        expect(Math.abs((learned[k] as number) - (closed[k] as number))).toBeLessThan(0.02);
      }
    }
  });
});
