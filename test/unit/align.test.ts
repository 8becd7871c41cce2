import { describe, expect, it } from 'vitest';
import { ARCFACE_TEMPLATE, invertAffine, similarity } from '../../src/pipeline/align.ts';
import type { Affine } from '../../src/pipeline/image.ts';
import type { Point } from '../../src/pipeline/landmarks.ts';

const apply = ([a, b, c, d, e, f]: Affine, [x, y]: Point): Point => [a * x + b * y + c, d * x + e * y + f];

describe('similarity alignment', () => {
  it('recovers a known rotation, scale and shift exactly', () => {
    const theta = 0.3, s = 2.5;
    const truth: Affine = [s * Math.cos(theta), -s * Math.sin(theta), 14, s * Math.sin(theta), s * Math.cos(theta), -7];
    const src = ARCFACE_TEMPLATE.map((p) => apply(invertAffine(truth), p));
    const est = similarity(src, ARCFACE_TEMPLATE);
    est.forEach((v, i) => expect(v).toBeCloseTo(truth[i] as number, 9));
  });

  it('is the least-squares fit under noise: residual no worse than the true map', () => {
    const truth: Affine = [0.8, -0.1, 3, 0.1, 0.8, 5];
    const src: Point[] = ARCFACE_TEMPLATE.map(([x, y], i) => [x + (i % 2 ? 1.5 : -1.2), y + (i % 3 ? -0.7 : 0.9)]);
    const residual = (m: Affine) => src.reduce((acc, p, i) => {
      const [x, y] = apply(m, p); const [u, v] = ARCFACE_TEMPLATE[i] as Point;
      return acc + (x - u) ** 2 + (y - v) ** 2;
    }, 0);
    expect(residual(similarity(src, ARCFACE_TEMPLATE))).toBeLessThanOrEqual(residual(truth) + 1e-9);
  });

  it('inverts: T(T^-1(p)) = p', () => {
    const m: Affine = [1.2, -0.4, 10, 0.4, 1.2, -3];
    const p: Point = [17, 42];
    const [x, y] = apply(m, apply(invertAffine(m), p));
    expect(x).toBeCloseTo(17, 10);
    expect(y).toBeCloseTo(42, 10);
  });

  it('refuses degenerate landmarks', () => {
    expect(() => similarity([[1, 1], [1, 1], [1, 1], [1, 1], [1, 1]], ARCFACE_TEMPLATE)).toThrow(/degenerate/);
  });
});
