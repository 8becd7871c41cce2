/**
 * The shipped immune space on real faces: the fixtures aligned by the product's pipeline, then
 * projected by the SIMD kernel and by the scalar reference.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { nodeCodecModules } from '../../scripts/lib/node-codecs.ts';
import { nodeKernel } from '../../scripts/lib/node-kernel.ts';
import { nodeFaceModels, repoRoot } from '../../scripts/lib/node-models.ts';
import { defaultDefense, defaultDetectorOptions, defaultLimits } from '../../src/config.ts';
import { createProjector } from '../../src/immune/project.ts';
import { parseSpace, type ImmuneSpace } from '../../src/immune/space-file.ts';
import { decodeImage } from '../../src/pipeline/decode/index.ts';
import { alignFace } from '../../src/pipeline/face.ts';
import { createDecoders } from '../../src/wasm/codecs.ts';
import type { Kernel } from '../../src/wasm/kernel.ts';
import { faces } from '../contract/fixtures.ts';
import { dequantizedBasis, referenceCoefficients, referenceReconstruct, relativeError } from '../helpers/projection-reference.ts';

let kernel: Kernel, space: ImmuneSpace, aligned: Float32Array[];
beforeAll(async () => {
  kernel = await nodeKernel();
  space = parseSpace(new Uint8Array(readFileSync(`${repoRoot}/models/immune-space.bin`)));
  const decoders = createDecoders(await nodeCodecModules());
  const models = await nodeFaceModels(1);
  aligned = [];
  for (const bytes of [faces.a1, faces.a2, faces.b1]) {
    const img = await decodeImage(bytes, decoders, defaultLimits);
    aligned.push((await alignFace(img, models, { detector: defaultDetectorOptions, policy: 'largest', layout: 'gray' })).input);
  }
});

describe('shipped immune space on real faces', () => {
  it('kernel and scalar reference agree within 1e-4 (coefficients and masked reconstruction)', () => {
    const e = dequantizedBasis(space);
    const loaded = kernel.loadBasis(space.mean, space.basis, space.format, space.k, space.scales);
    for (const [i, face] of aligned.entries()) {
      const x = face.subarray(0, space.d);
      const y = new Float32Array(space.k);
      kernel.coefficients(loaded, x, y);
      expect(relativeError(y, referenceCoefficients(space, e, x))).toBeLessThan(1e-4);
      const mask = Uint8Array.from({ length: space.k }, (_, c) => ((c + i) % 3 ? 1 : 0));
      const out = new Float32Array(space.d);
      kernel.reconstruct(loaded, y, mask, out);
      expect(relativeError(out, referenceReconstruct(space, e, y, mask))).toBeLessThan(1e-4);
    }
  });

  it('projecting twice with the same mask changes nothing (within the basis quantisation)', () => {
    const loaded = kernel.loadBasis(space.mean, space.basis, space.format, space.k, space.scales);
    const mask = Uint8Array.from({ length: space.k }, (_, c) => (c % 2 ? 0 : 1));
    const project = (v: Float32Array): Float32Array => {
      const y = new Float32Array(space.k), out = new Float32Array(space.d);
      kernel.coefficients(loaded, v, y);
      kernel.reconstruct(loaded, y, mask, out);
      return out;
    };
    for (const face of aligned) {
      const once = project(face.subarray(0, space.d));
      const twice = project(once);
      // An int8 basis is orthonormal only to ~1e-3, so P is idempotent to that order; f32 to ~1e-6.
      expect(relativeError(twice, once)).toBeLessThan(space.format === 'f32' ? 1e-5 : 2e-2);
    }
  });

  it('the projector repeats the projected face to the recognizer\'s three planes and reports what it kept', () => {
    const project = createProjector(kernel, space, defaultDefense);
    const face = aligned[0] as Float32Array;
    const a = project(face, { mode: 'pin-threshold', seed: 5, deterministic: false });
    const d = space.d;
    expect(Array.from(a.input.subarray(d, 2 * d))).toEqual(Array.from(a.input.subarray(0, d)));
    expect(Array.from(a.input.subarray(2 * d))).toEqual(Array.from(a.input.subarray(0, d)));
    expect(a.report).toMatchObject({ mode: 'pin-threshold', components: space.k, seed: 5 });
    expect(a.report.componentsKept).toBeGreaterThan(0);
    expect(a.report.componentsKept).toBeLessThan(space.k);
    const b = project(face, { mode: 'pin-threshold', seed: 5, deterministic: false });
    expect(Array.from(b.input)).toEqual(Array.from(a.input));
    // A face projected onto face space stays close to it (a sanity check on the fit): L2 error
    // well under the face's own distance from the mean face.
    let err = 0, spread = 0;
    for (let j = 0; j < d; j++) {
      err += ((a.input[j] as number) - (face[j] as number)) ** 2;
      spread += ((face[j] as number) - (space.mean[j] as number)) ** 2;
    }
    expect(Math.sqrt(err / spread)).toBeLessThan(0.2);
    expect(project(face, { mode: 'none', deterministic: false }).input).toBe(face);
  });
});
