import { describe, expect, it } from 'vitest';
import { symmetricEigen } from '../../scripts/lib/eig.ts';

describe('symmetricEigen', () => {
  it('A v = lambda v, orthonormal vectors, descending values', () => {
    const n = 40;
    let s = 7;
    const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) - 0.5;
    const b = Float64Array.from({ length: n * n }, rnd);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { let t = 0; for (let k = 0; k < n; k++) t += (b[i * n + k] as number) * (b[j * n + k] as number); a[i * n + j] = t; }
    const { values, vectors } = symmetricEigen(a, n);
    for (let j = 0; j < n; j++) {
      if (j > 0) expect(values[j] as number).toBeLessThanOrEqual(values[j - 1] as number);
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let k = 0; k < n; k++) av += (a[i * n + k] as number) * (vectors[k * n + j] as number);
        expect(av).toBeCloseTo((values[j] as number) * (vectors[i * n + j] as number), 8);
      }
      let dot = 0;
      for (let k = 0; k < n; k++) dot += (vectors[k * n + j] as number) * (vectors[k * n + ((j + 1) % n)] as number);
      expect(Math.abs(dot)).toBeLessThan(1e-10);
    }
  });
});
