import { describe, expect, it } from 'vitest';
import { rectToAffine, sampleToChw, type Affine, type RgbaImage } from '../../src/pipeline/image.ts';
import { referenceAxisResize, referenceRotatedSample } from '../helpers/sample-reference.ts';

const random = (w: number, h: number, seed = 1): RgbaImage => {
  let s = seed;
  const data = new Uint8ClampedArray(w * h * 4).map(() => ((s = (s * 1103515245 + 12345) >>> 0) >>> 24));
  return { width: w, height: h, data };
};
const norm = { mean: 127, scale: 128 };

describe('sampleToChw', () => {
  it('the axis-aligned fast path equals the general affine path', () => {
    const img = random(173, 131);
    for (const [outW, outH] of [[320, 240], [64, 64], [40, 30]] as const) {
      const map = rectToAffine(-5, 3, 160, 120, outW, outH);
      const fast = sampleToChw(img, map, outW, outH, 'rgb', norm);
      // a rotation by a hair forces the general path; compare against the same map via it
      const general = sampleToChw(img, [map[0], 1e-300, map[2], 1e-300, map[4], map[5]] as Affine, outW, outH, 'rgb', norm);
      let worst = 0;
      for (let i = 0; i < fast.length; i++) worst = Math.max(worst, Math.abs((fast[i] as number) - (general[i] as number)));
      expect(worst).toBeLessThan(1e-4);
    }
  });

  it('identity map reproduces pixels; gray uses BT.601 luma; outside is black', () => {
    const img: RgbaImage = { width: 2, height: 1, data: new Uint8ClampedArray([255, 0, 0, 255, 0, 0, 255, 255]) };
    const id = rectToAffine(0, 0, 2, 1, 2, 1);
    expect(Array.from(sampleToChw(img, id, 2, 1, 'rgb', { mean: 0, scale: 1 }))).toEqual([255, 0, 0, 0, 0, 255]);
    expect(Array.from(sampleToChw(img, id, 2, 1, 'bgr', { mean: 0, scale: 1 }))).toEqual([0, 255, 0, 0, 255, 0]);
    const g = sampleToChw(img, id, 2, 1, 'gray', { mean: 0, scale: 1 });
    expect(g[0]).toBeCloseTo(0.299 * 255, 3);
    expect(g[1]).toBeCloseTo(0.114 * 255, 3);
    const shifted = sampleToChw(img, rectToAffine(10, 0, 2, 1, 2, 1), 2, 1, 'rgb', { mean: 0, scale: 1 });
    expect(Array.from(shifted)).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe('rotated sampling, inlined', () => {
  it('matches the reference sampler bit for bit across shrink factors, layouts and maps that leave the image', () => {
    const W = 97, H = 73;
    const data = new Uint8ClampedArray(W * H * 4).map((_, i) => (i * 2654435761) >>> 24);
    const img = { width: W, height: H, data };
    const norm = { mean: 127, scale: 128 };
    for (const [s, th, cx, cy] of [[0.8, 0.3, 10, 5], [2.4, -0.5, 40, 20], [6.3, 1.1, 60, -10], [9, 0.05, -20, 30]] as const) {
      const map = [s * Math.cos(th), -s * Math.sin(th), cx, s * Math.sin(th), s * Math.cos(th), cy] as const;
      for (const layout of ['gray', 'rgb', 'bgr'] as const) {
        const got = sampleToChw(img, map, 23, 19, layout, norm, 8);
        const want = referenceRotatedSample(img, map, 23, 19, layout, norm, 8);
        expect(got.every((v, i) => Object.is(v, want[i])), `shrink ${s}, ${layout}`).toBe(true);
      }
    }
  });

  it('the axis-aligned path skips zero-weight taps and stays bit for bit the full-tap version', () => {
    const img = random(643, 481, 7);
    // exact 2x and 4x shrinks (the detector's 640x480 and 1280x960 inputs), odd ones, growing, and frames reaching outside
    const frames = [[0, 0, 640, 480, 320, 240], [0, 0, 643, 481, 160, 120], [-40, -30, 700, 540, 320, 240], [100, 50, 300, 200, 64, 64], [10, 10, 50, 40, 320, 240], [0, 0, 643, 481, 97, 61]] as const;
    for (const [x0, y0, w, h, outW, outH] of frames) {
      const map = rectToAffine(x0, y0, w, h, outW, outH);
      for (const layout of ['gray', 'rgb', 'bgr'] as const) {
        for (const taps of [4, 8]) {
          const got = sampleToChw(img, map, outW, outH, layout, norm, taps);
          const want = referenceAxisResize(img, map, outW, outH, layout, norm, taps);
          expect(got.every((v, i) => Object.is(v, want[i])), `${w}x${h} -> ${outW}x${outH}, ${layout}, ${taps} taps`).toBe(true);
        }
      }
    }
  });
});
