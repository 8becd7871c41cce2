import { describe, expect, it } from 'vitest';
import { jpegOrientation, tiffOrientation, type Orientation } from '../../src/pipeline/decode/exif.ts';
import { applyOrientation } from '../../src/pipeline/decode/orient.ts';
import { prng, randomBytes, withExifOrientation } from '../helpers/images.ts';

/** EXIF 2.3 table: where the stored 0th row and 0th column end up on screen. */
const PLACEMENT: Record<Orientation, [row0: 'top' | 'bottom' | 'left' | 'right', col0: 'left' | 'right' | 'top' | 'bottom']> = {
  1: ['top', 'left'], 2: ['top', 'right'], 3: ['bottom', 'right'], 4: ['bottom', 'left'],
  5: ['left', 'top'], 6: ['right', 'top'], 7: ['right', 'bottom'], 8: ['left', 'bottom'],
};

/** Forward reference: each stored pixel placed on screen from the table, independently of orient.ts. */
function reference(w: number, h: number, ids: number[], o: Orientation): { width: number; height: number; ids: number[] } {
  const [row0, col0] = PLACEMENT[o];
  const swap = row0 === 'left' || row0 === 'right';
  const W = swap ? h : w;
  const H = swap ? w : h;
  const out = new Array<number>(W * H);
  for (let sy = 0; sy < h; sy++) {
    for (let sx = 0; sx < w; sx++) {
      const x = swap ? (row0 === 'left' ? sy : h - 1 - sy) : col0 === 'left' ? sx : w - 1 - sx;
      const y = swap ? (col0 === 'top' ? sx : w - 1 - sx) : row0 === 'top' ? sy : h - 1 - sy;
      out[y * W + x] = ids[sy * w + sx] as number;
    }
  }
  return { width: W, height: H, ids: out };
}

describe('applyOrientation', () => {
  const w = 3, h = 2;
  const ids = [1, 2, 3, 4, 5, 6];
  const data = new Uint8ClampedArray(ids.flatMap((id) => [id, 0, 0, 255]));
  for (const o of [1, 2, 3, 4, 5, 6, 7, 8] as const) {
    it(`orientation ${o} matches the EXIF table`, () => {
      const before = data.slice();
      const out = applyOrientation({ width: w, height: h, data }, o);
      const ref = reference(w, h, ids, o);
      expect({ width: out.width, height: out.height, ids: Array.from(out.data).filter((_, i) => i % 4 === 0) }).toEqual(ref);
      expect(data).toEqual(before); // pure
    });
  }

  it('reads pixels from an unaligned view', () => {
    const buf = new Uint8Array(1 + data.length);
    buf.set(data, 1);
    const out = applyOrientation({ width: w, height: h, data: buf.subarray(1) }, 6);
    expect(Array.from(out.data).filter((_, i) => i % 4 === 0)).toEqual(reference(w, h, ids, 6).ids);
  });
});

describe('EXIF orientation parsing never throws', () => {
  const jpegStub = new Uint8Array([0xff, 0xd8, 0xff, 0xda, 0x00, 0x02, 0xff, 0xd9]);

  it('reads both byte orders, and 1 where there is no tag or an odd value', () => {
    expect(jpegOrientation(withExifOrientation(jpegStub, 6, 'II'))).toBe(6);
    expect(jpegOrientation(withExifOrientation(jpegStub, 8, 'MM'))).toBe(8);
    expect(jpegOrientation(withExifOrientation(jpegStub, 9))).toBe(1);
    expect(jpegOrientation(withExifOrientation(jpegStub, 0))).toBe(1);
    expect(jpegOrientation(jpegStub)).toBe(1);
  });

  it('returns 1..8 for random and mutated input', () => {
    const valid = withExifOrientation(jpegStub, 6, 'MM');
    const next = prng(99);
    for (let seed = 0; seed < 2000; seed++) {
      const mutated = valid.slice();
      for (let k = 0; k < 1 + (seed % 6); k++) mutated[Math.floor(next() * mutated.length)] = Math.floor(next() * 256);
      const cut = mutated.subarray(0, Math.floor(next() * mutated.length));
      for (const bytes of [mutated, cut, randomBytes(seed % 64, seed)]) {
        expect([1, 2, 3, 4, 5, 6, 7, 8]).toContain(jpegOrientation(bytes));
        expect([1, 2, 3, 4, 5, 6, 7, 8]).toContain(tiffOrientation(bytes));
      }
    }
  });
});
