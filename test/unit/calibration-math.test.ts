/** The calibration's statistics on data whose answer is known: thresholds, counts, intervals. */
import { describe, expect, it } from 'vitest';
import { farInterval, wilson } from '../../scripts/lib/calibration/bootstrap.ts';
import { countAtLeast, exactThreshold, type HighImpostors } from '../../scripts/lib/calibration/pairs.ts';

const high = (scores: number[]): HighImpostors => {
  const s = [...scores].sort((a, b) => b - a);
  return { score: Float32Array.from(s), personA: new Int32Array(s.length), personB: new Int32Array(s.length).fill(1), group: new Uint8Array(s.length) };
};

describe('exactThreshold', () => {
  it('accepts at most floor(far * n) impostors, and refuses the next one', () => {
    const scores = Array.from({ length: 1000 }, (_, i) => i / 1000 - 0.3);
    const h = high(scores);
    for (const far of [0.1, 0.01, 0.001]) {
      const t = exactThreshold(h, 1000, far);
      expect(countAtLeast(h.score, t)).toBe(Math.floor(far * 1000));
      expect(t).toBe(Math.round(t * 1e6) / 1e6);
    }
  });
  it('fails loudly when pass 2 kept too few scores for the level', () => {
    expect(() => exactThreshold(high([0.9, 0.8]), 1000, 0.01)).toThrow(/fewer than/);
  });
});

describe('farInterval (Poisson bootstrap over people)', () => {
  // 200 people with 2 images each; person p and p+1 (p even) accept each other's 4 pairs.
  const images = new Float64Array(200).fill(2);
  const a: number[] = [], b: number[] = [];
  for (let p = 0; p < 200; p += 2) for (let k = 0; k < 4; k++) { a.push(p); b.push(p + 1); }
  const accepted = { personA: Int32Array.from(a), personB: Int32Array.from(b), count: a.length };
  const pairs = (400 * 400 - 200 * 4) / 2;
  it('brackets the full-population FAR, and a smaller resampled population gets a wider interval', () => {
    const far = accepted.count / pairs;
    const [full] = farInterval({ images }, [accepted], { replicates: 300, seed: 3 });
    const [small] = farInterval({ images }, [accepted], { replicates: 300, seed: 3, mean: 0.25 });
    expect(full!.lo).toBeLessThan(far);
    expect(full!.hi).toBeGreaterThan(far);
    expect(small!.hi - small!.lo).toBeGreaterThan(full!.hi - full!.lo);
  });
  it('is reproducible from its seed', () => {
    expect(farInterval({ images }, [accepted], { replicates: 50, seed: 9 })).toEqual(farInterval({ images }, [accepted], { replicates: 50, seed: 9 }));
  });
});

describe('wilson', () => {
  it('contains the observed rate and narrows with n', () => {
    const w1 = wilson(10, 10_000), w2 = wilson(100, 100_000);
    expect(w1.lo).toBeLessThan(1e-3);
    expect(w1.hi).toBeGreaterThan(1e-3);
    expect(w2.hi - w2.lo).toBeLessThan(w1.hi - w1.lo);
    expect(wilson(0, 1000).lo).toBe(0);
  });
});
