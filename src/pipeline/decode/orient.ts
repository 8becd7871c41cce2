/** @module Orient: applies an EXIF orientation so that every later stage sees the upright image. */
import type { RgbaImage } from '../image.ts';
import type { Orientation } from './exif.ts';

/**
 * The upright image for EXIF orientation `o` (2 mirror, 3 rotate 180, 4 flip, 5 transpose,
 * 6 rotate 90 CW, 7 transverse, 8 rotate 90 CCW); 5..8 swap width and height. Pure: returns a
 * new image, or `img` itself for 1.
 */
export function applyOrientation(img: RgbaImage, o: Orientation): RgbaImage {
  if (o === 1) return img;
  const { width: w, height: h } = img;
  const swap = o >= 5;
  const W = swap ? h : w;
  const H = swap ? w : h;
  // Source pixel index of output (x, y) is start + x * dx + y * dy for every orientation.
  const last = w * h - 1;
  const [start, dx, dy] = ({
    2: [w - 1, -1, w],
    3: [last, -1, -w],
    4: [last - (w - 1), 1, -w],
    5: [0, w, 1],
    6: [last - (w - 1), -w, 1],
    7: [last, -w, -1],
    8: [w - 1, w, -1],
  } as const)[o];
  // Whole pixels move as one 32-bit word; an unaligned view would throw, so copy those first.
  const data = img.data.byteOffset % 4 === 0 ? img.data : img.data.slice();
  const src = new Uint32Array(data.buffer, data.byteOffset, w * h);
  const out = new Uint8ClampedArray(W * H * 4);
  const dst = new Uint32Array(out.buffer);
  let i = 0;
  for (let y = 0; y < H; y++) {
    let s = start + y * dy;
    for (let x = 0; x < W; x++, s += dx) dst[i++] = src[s] as number;
  }
  return { width: W, height: H, data: out };
}
