import { describe, expect, it } from 'vitest';
import { orthonormalRows, orthonormalRowsBlocked, randomizedPca, scalarLinalg } from '../../scripts/lib/pca.ts';
import { gaussian } from '../../src/immune/rng.ts';

describe('randomized PCA', () => {
  it('recovers a planted low-rank subspace, orthonormal and deterministic', () => {
    const n = 120, d = 60, r = 4;
    const g = gaussian(3);
    const basis = Float32Array.from({ length: r * d }, g);
    const x = new Float32Array(n * d);
    for (let i = 0; i < n; i++) for (let c = 0; c < r; c++) {
      const w = g() * (10 - 2 * c);
      for (let j = 0; j < d; j++) x[i * d + j] = (x[i * d + j] as number) + w * (basis[c * d + j] as number) + 0.01 * g() + 5;
    }
    const run = () => randomizedPca(x.slice(), n, d, scalarLinalg, { k: r, oversample: 6, powerIterations: 2, seed: 42 });
    const p = run();
    for (let a = 0; a < r; a++) for (let b = 0; b < r; b++) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += (p.components[a * d + j] as number) * (p.components[b * d + j] as number);
      expect(dot).toBeCloseTo(a === b ? 1 : 0, 4);
    }
    const explained = p.variances.reduce((s, v) => s + v, 0) / p.totalVariance;
    expect(explained).toBeGreaterThan(0.999);
    expect(Array.from(run().components)).toEqual(Array.from(p.components));
  });
});

describe('block Gram-Schmidt', () => {
  it('gives orthonormal rows spanning the same space as row-by-row Gram-Schmidt', () => {
    const r = 10, c = 40;
    const a = Float32Array.from({ length: r * c }, gaussian(8));
    const blocked = a.slice(), plain = a.slice();
    orthonormalRowsBlocked(blocked, r, c, scalarLinalg, 3);
    orthonormalRows(plain, r, c);
    // Same span and order: row i of each is the same unit vector (Gram-Schmidt is unique up to sign, and signs agree).
    for (let i = 0; i < r * c; i++) expect(blocked[i]).toBeCloseTo(plain[i] as number, 4);
  });
});
