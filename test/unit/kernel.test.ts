import { beforeAll, describe, expect, it } from 'vitest';
import { nodeKernel } from '../../scripts/lib/node-kernel.ts';
import { orthonormalRows, scalarLinalg } from '../../scripts/lib/pca.ts';
import { gaussian } from '../../src/immune/rng.ts';
import { parseSpace, serializeSpace, type BasisFormat } from '../../src/immune/space-file.ts';
import type { Kernel } from '../../src/wasm/kernel.ts';
import { dequantizedBasis, referenceCoefficients, referenceReconstruct, relativeError } from '../helpers/projection-reference.ts';

let kernel: Kernel;
beforeAll(async () => {
  kernel = await nodeKernel();
});

// k = 37 leaves a tail after the kernel's groups of four rows; d = 1296 ends in a partial
// 1024-element block of the int8 integer dot products.
const d = 1296, k = 37;
function randomSpace(format: BasisFormat, seed: number) {
  const g = gaussian(seed);
  const basis = Float32Array.from({ length: k * d }, g);
  orthonormalRows(basis, k, d);
  const mean = Float32Array.from({ length: d }, () => 0.3 * g());
  return parseSpace(serializeSpace({ d, k, side: 32, seed, faces: 0, mean, variances: new Float32Array(k).fill(1), basis }, format));
}

describe('projection kernel vs the scalar reference', () => {
  for (const format of ['f32', 'f16', 'i8'] as const) {
    it(`${format}: coefficients and masked reconstruction agree within 1e-4`, () => {
      const space = randomSpace(format, 7);
      const e = dequantizedBasis(space);
      const loaded = kernel.loadBasis(space.mean, space.basis, format, k, space.scales);
      const g = gaussian(11);
      for (let trial = 0; trial < 5; trial++) {
        const x = Float32Array.from({ length: d }, () => Math.max(-1, Math.min(1, 0.5 * g())));
        const y = new Float32Array(k);
        const energy = kernel.coefficients(loaded, x, y);
        expect(energy).toBeCloseTo(x.reduce((s, v) => s + v * v, 0), 1);
        expect(relativeError(y, referenceCoefficients(space, e, x))).toBeLessThan(1e-4);
        const mask = Uint8Array.from({ length: k }, (_, i) => ((i * 7 + trial) % 3 === 0 ? 0 : 1));
        const out = new Float32Array(d);
        kernel.reconstruct(loaded, y, mask, out);
        expect(relativeError(out, referenceReconstruct(space, e, y, mask))).toBeLessThan(1e-4);
      }
    });
  }

  it('an empty mask reconstructs the mean face, a full one the best approximation', () => {
    const space = randomSpace('f32', 3);
    const loaded = kernel.loadBasis(space.mean, space.basis, 'f32', k, undefined);
    const x = Float32Array.from({ length: d }, gaussian(5));
    const y = new Float32Array(k);
    kernel.coefficients(loaded, x, y);
    const out = new Float32Array(d);
    kernel.reconstruct(loaded, y, new Uint8Array(k), out);
    expect(Array.from(out)).toEqual(Array.from(space.mean));
  });

  it('projecting twice with the same mask changes nothing (idempotence, f32 basis)', () => {
    const space = randomSpace('f32', 9);
    const loaded = kernel.loadBasis(space.mean, space.basis, 'f32', k, undefined);
    const x = Float32Array.from({ length: d }, gaussian(1));
    const mask = Uint8Array.from({ length: k }, (_, i) => (i % 2 ? 1 : 0));
    const project = (v: Float32Array): Float32Array => {
      const y = new Float32Array(k), out = new Float32Array(d);
      kernel.coefficients(loaded, v, y);
      kernel.reconstruct(loaded, y, mask, out);
      return out;
    };
    const once = project(x);
    expect(relativeError(project(once), once)).toBeLessThan(1e-5);
    expect(relativeError(once, x)).toBeGreaterThan(0.1); // it really projected
  });
});

describe('matrix products', () => {
  const g = gaussian(21);
  // Odd sizes exercise every tail; kd = 1030 crosses the 512-deep slices.
  for (const [m, n, kd] of [[7, 5, 37], [33, 19, 1030], [4, 2, 4], [1, 1, 3]] as const) {
    it(`matmulNT and matmulNN ${m}x${n}x${kd} match plain loops`, () => {
      const a = Float32Array.from({ length: m * kd }, g);
      const b = Float32Array.from({ length: n * kd }, g);
      expect(relativeError(kernel.matmulNT(a, b, m, n, kd), scalarLinalg.matmulNT(a, b, m, n, kd))).toBeLessThan(1e-5);
      const bn = Float32Array.from({ length: kd * n }, g);
      expect(relativeError(kernel.matmulNN(a, bn, m, n, kd), scalarLinalg.matmulNN(a, bn, m, n, kd))).toBeLessThan(1e-5);
    });
  }

  it('is bit-for-bit deterministic and releases its scratch memory', () => {
    const a = Float32Array.from({ length: 64 * 600 }, g), b = Float32Array.from({ length: 48 * 600 }, g);
    const first = kernel.matmulNT(a, b, 64, 48, 600);
    const bytes = kernel.memoryBytes();
    for (let i = 0; i < 3; i++) expect(Array.from(kernel.matmulNT(a, b, 64, 48, 600))).toEqual(Array.from(first));
    expect(kernel.memoryBytes()).toBe(bytes);
  });
});
