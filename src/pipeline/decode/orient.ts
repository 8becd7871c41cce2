/** @module Orient: applies an EXIF orientation so that every later stage sees the upright image. */
import type { RgbaImage } from '../image.ts';
import type { Orientation } from './exif.ts';

/**
 * For each output pixel (x, y) of the upright image, the source pixel per EXIF 2.3 orientation:
 * 2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 rotate 90 CW, 7 transverse, 8 rotate 90 CCW.
 */
export function applyOrientation(img: RgbaImage, o: Orientation): RgbaImage {
  if (o === 1) return img;
  const { width: w, height: h, data } = img;
  const swap = o >= 5;
  const W = swap ? h : w, H = swap ? w : h;
  const out = new Uint8ClampedArray(W * H * 4);
  const src32 = new Uint32Array(data.buffer, data.byteOffset, w * h);
  const dst32 = new Uint32Array(out.buffer);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let sx: number, sy: number;
      switch (o) {
        case 2: sx = w - 1 - x; sy = y; break;
        case 3: sx = w - 1 - x; sy = h - 1 - y; break;
        case 4: sx = x; sy = h - 1 - y; break;
        case 5: sx = y; sy = x; break;
        case 6: sx = y; sy = h - 1 - x; break;
        case 7: sx = w - 1 - y; sy = h - 1 - x; break;
        default: sx = w - 1 - y; sy = x; break; // 8
      }
      dst32[y * W + x] = src32[sy * w + sx] as number;
    }
  }
  return { width: W, height: H, data: out };
}
