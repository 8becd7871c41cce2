/** @module Orient: applies an EXIF orientation so that every later stage sees the upright image. */
import type { RgbaImage } from '../image.ts';
import type { Orientation } from './exif.ts';

/** Source pixel index of upright pixel (x, y) is start + x * dx + y * dy, for a stored w x h image. */
function walk(o: Orientation, w: number, h: number): readonly [number, number, number] {
  const last = w * h - 1;
  return ({
    1: [0, 1, w],
    2: [w - 1, -1, w],
    3: [last, -1, -w],
    4: [last - (w - 1), 1, -w],
    5: [0, w, 1],
    6: [last - (w - 1), -w, 1],
    7: [last, -w, -1],
    8: [w - 1, w, -1],
  } as const)[o];
}

export const uprightSize = (w: number, h: number, o: Orientation): { width: number; height: number } =>
  o >= 5 ? { width: h, height: w } : { width: w, height: h };

/** The orientation that turns the upright image back into the stored one (6 and 8 swap). */
const inverse = (o: Orientation): Orientation => (o === 6 ? 8 : o === 8 ? 6 : o);

/** A rectangle of pixels; x, y its top-left pixel. */
export interface PixelBox { x: number; y: number; width: number; height: number }

/** Maps a pixel rectangle of an image of size w x h through orientation `o`'s walk. */
function mapRect(o: Orientation, w: number, h: number, r: PixelBox): PixelBox {
  const [start, dx, dy] = walk(o, w, h);
  const at = (x: number, y: number): [number, number] => { const i = start + x * dx + y * dy; return [i % w, Math.floor(i / w)]; };
  const [ax, ay] = at(r.x, r.y);
  const [bx, by] = at(r.x + r.width - 1, r.y + r.height - 1);
  return { x: Math.min(ax, bx), y: Math.min(ay, by), width: Math.abs(bx - ax) + 1, height: Math.abs(by - ay) + 1 };
}

/** Where a rectangle of the upright image lies in the stored image of size w x h. */
export const storedRect = (r: PixelBox, o: Orientation, w: number, h: number): PixelBox => mapRect(o, w, h, r);

/** Where a rectangle of the stored w x h image lies in the upright image. */
export const uprightRect = (r: PixelBox, o: Orientation, w: number, h: number): PixelBox => {
  const up = uprightSize(w, h, o);
  return mapRect(inverse(o), up.width, up.height, r);
};

/**
 * The upright image for EXIF orientation `o` (2 mirror, 3 rotate 180, 4 flip, 5 transpose,
 * 6 rotate 90 CW, 7 transverse, 8 rotate 90 CCW); 5..8 swap width and height. Pure: returns a
 * new image, or `img` itself for 1.
 */
export function applyOrientation(img: RgbaImage, o: Orientation): RgbaImage {
  if (o === 1) return img;
  const { width: w, height: h } = img;
  const { width: W, height: H } = uprightSize(w, h, o);
  const [start, dx, dy] = walk(o, w, h);
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
