import { describe, expect, it } from 'vitest';
import { gaussianSmoothing, inputDiversity } from '../../eval/attacks/transfer.ts';
import { gaussian, uniform } from '../../src/immune/rng.ts';

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * (b[i] as number), 0);

describe('transfer attack pieces', () => {
  it('input diversity: backward is the exact adjoint of the resize-and-pad (<Ax, g> = <x, A^T g>)', async () => {
    const rnd = gaussian(1);
    for (let seed = 0; seed < 6; seed++) {
      const x = Float32Array.from({ length: 112 * 112 }, rnd), g = Float32Array.from({ length: 112 * 112 }, rnd);
      const s = await inputDiversity(1, 90)(x, uniform(seed));
      expect(dot(s.plane, g)).toBeCloseTo(dot(x, s.backward(g)), 2);
      expect(s.plane).not.toEqual(x);
    }
  });

  it('input diversity with p = 0 is the identity', async () => {
    const x = Float32Array.from({ length: 112 * 112 }, gaussian(2));
    expect((await inputDiversity(0)(x, uniform(1))).plane).toBe(x);
  });

  it('TI smoothing spreads an interior impulse into a normalised Gaussian', () => {
    const g = new Float32Array(112 * 112);
    g[56 * 112 + 56] = 1;
    const out = gaussianSmoothing(3, 1.5)(g);
    expect(out.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(out[56 * 112 + 56]).toBeLessThan(1);
    expect(out[56 * 112 + 57]).toBeCloseTo(out[57 * 112 + 56] as number, 6);
  });
});
