import { describe, expect, it } from 'vitest';
import { cosine, decide } from '../../src/pipeline/decide.ts';
import { l2normalize } from '../../src/pipeline/embed.ts';
import { atFar, bestThreshold, foldAccuracy } from '../../scripts/lib/pairs.ts';

describe('decision', () => {
  it('cosine of unit vectors, scale-invariant, and the threshold is inclusive', () => {
    const p = l2normalize(new Float32Array([1, 2, 3]));
    const q = new Float32Array([2, 4, 6]);
    expect(cosine(p, q)).toBeCloseTo(1, 6);
    expect(cosine(new Float32Array([1, 0]), new Float32Array([0, 1]))).toBe(0);
    expect(decide(p, p, cosine(p, p)).match).toBe(true);
    expect(() => cosine(new Float32Array(2), new Float32Array(3))).toThrow(/sizes differ/);
  });
});

describe('calibration statistics', () => {
  const scored = [
    ...[0.9, 0.8, 0.7, 0.35].map((score, i) => ({ fold: (i % 2) + 1, same: true, score })),
    ...[0.1, 0.2, 0.3, 0.4].map((score, i) => ({ fold: (i % 2) + 1, same: false, score })),
  ];
  it('best threshold separates what can be separated', () => {
    const t = bestThreshold(scored);
    expect(scored.filter((s) => (s.score >= t) === s.same).length).toBe(7);
  });
  it('FAR target bounds the false accepts', () => {
    const r = atFar(scored, 0);
    expect(r.far).toBe(0);
    expect(r.tar).toBe(0.75);
  });
  it('fold accuracy uses thresholds from the other folds', () => {
    const r = foldAccuracy(scored);
    expect(r.perFold).toHaveLength(2);
    expect(r.mean).toBeGreaterThan(0.5);
  });
});
