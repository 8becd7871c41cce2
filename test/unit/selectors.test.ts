import { describe, expect, it } from 'vitest';
import { pinThreshold, sampleMask, topk } from '../../src/immune/selectors.ts';

describe('sampleMask', () => {
  const p = Float32Array.from([0, 0.02, 0.1, 0.25, 0.5, 0.75, 0.9, 0.98, 1]);

  it('keeps each component with its keep probability (4 sigma over 4000 seeds)', () => {
    const draws = 4000;
    const counts = new Float64Array(p.length);
    for (let seed = 0; seed < draws; seed++) sampleMask(p, seed).forEach((m, i) => { counts[i] = (counts[i] as number) + m; });
    p.forEach((pi, i) => {
      const sigma = Math.sqrt((pi * (1 - pi)) / draws);
      expect(Math.abs((counts[i] as number) / draws - pi)).toBeLessThanOrEqual(4 * sigma + 1e-9);
    });
  });

  it('is reproducible for a seed and differs across seeds', () => {
    const wide = Float32Array.from({ length: 256 }, () => 0.5);
    expect(Array.from(sampleMask(wide, 99))).toEqual(Array.from(sampleMask(wide, 99)));
    expect(Array.from(sampleMask(wide, 99))).not.toEqual(Array.from(sampleMask(wide, 100)));
  });

  it('without a seed keeps exactly the components with p >= 1/2', () => {
    expect(Array.from(sampleMask(p, undefined))).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 1]);
  });
});

describe('selectors', () => {
  const d = 10_000;
  const coeffs = Float32Array.from([0, 0.1, -0.5, 1, -2, 4, 8]);

  it('topk keeps the first k components', () => {
    expect(Array.from(topk(3)({ coeffs, inputEnergy: 1, d }))).toEqual([1, 1, 1, 0, 0, 0, 0]);
  });

  it('pin-threshold: probabilities in [0, 1], rising with |y|, sign-blind', () => {
    const p = pinThreshold({ lambda: 1e-4, noise: 0.04 })({ coeffs, inputEnergy: 3000, d });
    for (const v of p) expect(v >= 0 && v <= 1).toBe(true);
    for (let i = 1; i < p.length; i++) expect(p[i] as number).toBeGreaterThanOrEqual(p[i - 1] as number);
    expect(p[0]).toBeLessThan(0.01);
    expect(p[6]).toBeGreaterThan(0.99);
    const mirrored = pinThreshold({ lambda: 1e-4, noise: 0.04 })({ coeffs: coeffs.map((v) => -v), inputEnergy: 3000, d });
    expect(Array.from(mirrored)).toEqual(Array.from(p));
  });

  it('pin-threshold: keep iff c^2 > lambda D when there is no noise; larger lambda keeps fewer', () => {
    // lambda D = 1: components with |y| > 1 are kept.
    expect(Array.from(pinThreshold({ lambda: 1e-4, noise: 0 })({ coeffs, inputEnergy: 3000, d }))).toEqual([0, 0, 0, 0, 1, 1, 1]);
    const kept = (lambda: number) => pinThreshold({ lambda, noise: 0.04 })({ coeffs, inputEnergy: 3000, d }).reduce((a, b) => a + b, 0);
    expect(kept(1e-3)).toBeLessThan(kept(1e-4));
    expect(kept(1e-4)).toBeLessThan(kept(1e-5));
  });

  it('pin-threshold: more input noise makes the decision softer around the threshold', () => {
    const atThreshold = Float32Array.from([1]); // |y| = sqrt(lambda D)
    const soft = pinThreshold({ lambda: 1e-4, noise: 0.5 })({ coeffs: atThreshold, inputEnergy: 3000, d })[0] as number;
    const sharp = pinThreshold({ lambda: 1e-4, noise: 0.01 })({ coeffs: atThreshold, inputEnergy: 3000, d })[0] as number;
    expect(Math.abs(soft - 0.5)).toBeLessThan(0.5);
    expect(sharp).toBeLessThan(0.5);
  });
});
