import { describe, expect, it } from 'vitest';
import { bitDepth, gaussianBlur, jpeg, median3, nodeJpegCodec, randomResizePad, type FaceTransform } from '../../eval/defenses/transforms.ts';
import { uniform } from '../../src/immune/rng.ts';

const N = 112 * 112;
const smooth = () => Float32Array.from({ length: N }, (_, i) => 40 + 150 * ((i % 112) / 111) * (Math.floor(i / 112) / 111) + 20 * Math.sin(i / 300));
const noisy = (seed: number) => { const r = uniform(seed); return Float32Array.from({ length: N }, () => 255 * r()); };
const meanAbs = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + Math.abs(v - (b[i] as number)), 0) / a.length;
const variance = (a: Float32Array) => { const m = a.reduce((s, v) => s + v, 0) / a.length; return a.reduce((s, v) => s + (v - m) ** 2, 0) / a.length; };

describe('baseline input transforms', async () => {
  const codec = await nodeJpegCodec();
  const all: Array<[string, FaceTransform]> = [['bitDepth(4)', bitDepth(4)], ['median3', median3()], ['blur', gaussianBlur(1)], ['resize-pad', randomResizePad(96, 112)], ['jpeg(75)', jpeg(75, codec)]];

  for (const [name, t] of all) {
    it(`${name}: a new face in [0, 255], input untouched`, async () => {
      const face = noisy(1), copy = face.slice();
      const out = await t(face, uniform(2));
      expect(out).not.toBe(face);
      expect(out.length).toBe(N);
      expect(face).toEqual(copy);
      for (const v of out) { expect(v).toBeGreaterThanOrEqual(0); expect(v).toBeLessThanOrEqual(255); }
    });
  }

  it('bitDepth: 1 bit gives {0, 255}, 3 bits at most 8 levels, 8 bits keeps integers', async () => {
    expect(new Set(await bitDepth(1)(noisy(3), Math.random))).toEqual(new Set([0, 255]));
    expect(new Set(await bitDepth(3)(noisy(3), Math.random)).size).toBeLessThanOrEqual(8);
    const ints = noisy(4).map(Math.round);
    expect(Array.from(await bitDepth(8)(ints, Math.random)).map((v) => Math.round(v * 1e4) / 1e4)).toEqual(Array.from(ints));
  });

  it('median3 removes an impulse and keeps a step edge', async () => {
    const impulse = new Float32Array(N); impulse[50 * 112 + 50] = 255;
    expect(Math.max(...(await median3()(impulse, Math.random)))).toBe(0);
    const step = Float32Array.from({ length: N }, (_, i) => ((i % 112) < 56 ? 0 : 200));
    expect(await median3()(step, Math.random)).toEqual(step);
  });

  it('gaussianBlur keeps a constant face and the mean, and lowers the variance of noise', async () => {
    const flat = new Float32Array(N).fill(90);
    for (const v of await gaussianBlur(1)(flat, Math.random)) expect(v).toBeCloseTo(90, 3);
    const n = noisy(5), b = await gaussianBlur(1)(n, Math.random);
    expect(Math.abs(b.reduce((s, v) => s + v, 0) / N - n.reduce((s, v) => s + v, 0) / N)).toBeLessThan(1);
    expect(variance(b)).toBeLessThan(variance(n) / 3);
  });

  it('randomResizePad: identity at full size, reproducible per seed, mid-gray border otherwise', async () => {
    const f = smooth();
    expect(meanAbs(await randomResizePad(112, 112)(f, uniform(9)), f)).toBeLessThan(1e-3);
    const t = randomResizePad(96, 104);
    const a = await t(f, uniform(1)), b = await t(f, uniform(1)), c = await t(f, uniform(2));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(Array.from(a).filter((v) => v === 127.5).length).toBeGreaterThan(112 * 8);
  });

  it('jpeg: close on a smooth face; quality 10 loses more than quality 90', async () => {
    const f = smooth();
    expect(meanAbs(await jpeg(75, codec)(f, Math.random), f)).toBeLessThan(3);
    const n = noisy(6);
    expect(meanAbs(await jpeg(10, codec)(n, Math.random), n)).toBeGreaterThan(meanAbs(await jpeg(90, codec)(n, Math.random), n));
  });
});
