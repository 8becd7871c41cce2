/** @module Images: the RGBA raster every stage passes on, and pure resampling helpers. */

/** Decoded image, 8-bit RGBA, row-major, no padding (the shape of the web's ImageData). */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray | Uint8Array;
}

/**
 * Frees a per-request buffer now instead of at the next collection: a zero-length transfer detaches
 * it. V8 counts uncollected ArrayBuffers against the isolate until a collection runs, and a photo's
 * pixels are megabytes (the Workers limit is 128 MB). Only views over a whole buffer are released
 * (a subarray shares its buffer with something else); runtimes without transfer keep the old path.
 */
export function releaseBuffer(view: ArrayBufferView): void {
  const buffer = view.buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer; detached?: boolean };
  // A SharedArrayBuffer has no transfer, so this also leaves shared memory alone.
  if (buffer.detached || typeof buffer.transfer !== 'function') return;
  if (view.byteOffset !== 0 || view.byteLength !== buffer.byteLength) return;
  try {
    buffer.transfer(0);
  } catch {
    // A non-detachable buffer (a wasm memory's) is not ours to free; it stays as it was.
  }
}

/** A part of an image decoded again at a finer scale (large JPEGs): view pixel = (image pixel - origin) * zoom. */
export interface FinerView { image: RgbaImage; originX: number; originY: number; zoom: number }

/** 2x3 affine map from output pixel (x, y) to source pixel: [a, b, c, d, e, f] -> (a x + b y + c, d x + e y + f). */
export type Affine = readonly [number, number, number, number, number, number];

/** How samples become floats: value = (v - mean) / scale. */
export interface Normalize { mean: number; scale: number }

export type ChannelLayout = 'rgb' | 'bgr' | 'gray';

/** BT.601 luma, the weights OpenCV's RGB2GRAY and PIL's convert('L') use. */
export const luma = (r: number, g: number, b: number): number => 0.299 * r + 0.587 * g + 0.114 * b;

/**
 * Samples `src` through `map` into a planar float tensor [C, outH, outW] (CHW, as ONNX wants).
 * Bilinear; pixels outside the source read as black (OpenCV warpAffine's border 0).
 * Coordinates are pixel centres, so a pure scale maps centre to centre. When the map shrinks
 * the image, each output pixel averages an n x n grid of bilinear taps (n = shrink factor,
 * capped by maxTaps): plain bilinear would alias a 4000-pixel photo into noise.
 */
export function sampleToChw(
  src: RgbaImage,
  map: Affine,
  outW: number,
  outH: number,
  layout: ChannelLayout,
  norm: Normalize,
  maxTaps = 4,
): Float32Array {
  if (map[1] === 0 && map[3] === 0) return resizeToChw(src, map, outW, outH, layout, norm, maxTaps);
  const planes = layout === 'gray' ? 1 : 3;
  const plane = outW * outH;
  const out = new Float32Array(planes * plane);
  const { width: w, height: h, data } = src;
  const [a, b, c, d, e, f] = map;
  const shrink = Math.max(Math.hypot(a, d), Math.hypot(b, e));
  const n = Math.max(1, Math.min(maxTaps, Math.round(shrink)));
  const inv = 1 / (n * n);
  const [ri, gi, bi] = layout === 'bgr' ? [2, 1, 0] : [0, 1, 2];
  // The taps are inlined rather than a closure over r, g, bl: captured variables live in a heap
  // context, and this loop runs n^2 x 4 times per output pixel (64 x 4 for an 8x shrink).
  // Same arithmetic in the same order, so the result is bit for bit the closure version's.
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      let r = 0, g = 0, bl = 0;
      for (let j = 0; j < n; j++) {
        const oy = y + (j + 0.5) / n - 0.5;
        for (let i = 0; i < n; i++) {
          const ox = x + (i + 0.5) / n - 0.5;
          const sx = a * ox + b * oy + c, sy = d * ox + e * oy + f;
          const x0 = Math.floor(sx), y0 = Math.floor(sy);
          const fx = sx - x0, fy = sy - y0;
          for (let k = 0; k < 4; k++) {
            const xx = x0 + (k & 1);
            const yy = y0 + (k >> 1);
            if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
            const wgt = (k & 1 ? fx : 1 - fx) * (k >> 1 ? fy : 1 - fy);
            const p = (yy * w + xx) * 4;
            r += wgt * (data[p + ri] as number);
            g += wgt * (data[p + gi] as number);
            bl += wgt * (data[p + bi] as number);
          }
        }
      }
      const o = y * outW + x;
      if (layout === 'gray') {
        out[o] = (luma(r, g, bl) * inv - norm.mean) / norm.scale;
      } else {
        out[o] = (r * inv - norm.mean) / norm.scale;
        out[plane + o] = (g * inv - norm.mean) / norm.scale;
        out[2 * plane + o] = (bl * inv - norm.mean) / norm.scale;
      }
    }
  }
  return out;
}

/** Affine that maps an outW x outH grid onto the source rectangle (x0, y0, w, h), centre-aligned. */
export const rectToAffine = (x0: number, y0: number, w: number, h: number, outW: number, outH: number): Affine => {
  const sx = w / outW;
  const sy = h / outH;
  return [sx, 0, x0 + 0.5 * sx - 0.5, 0, sy, y0 + 0.5 * sy - 0.5];
};

/** Per output coordinate, the source indices and weights of its taps along one axis (clamped out of range = weight 0). */
export function axisTaps(scale: number, offset: number, out: number, size: number, n: number): { idx: Int32Array; wgt: Float32Array } {
  const idx = new Int32Array(out * n * 2);
  const wgt = new Float32Array(out * n * 2);
  for (let o = 0; o < out; o++) {
    for (let t = 0; t < n; t++) {
      const s = scale * (o + (t + 0.5) / n - 0.5) + offset;
      const s0 = Math.floor(s);
      const f = s - s0;
      const k = (o * n + t) * 2;
      idx[k] = Math.min(Math.max(s0, 0), size - 1);
      idx[k + 1] = Math.min(Math.max(s0 + 1, 0), size - 1);
      wgt[k] = s0 >= 0 && s0 < size ? (1 - f) / n : 0;
      wgt[k + 1] = s0 + 1 >= 0 && s0 + 1 < size ? f / n : 0;
    }
  }
  return { idx, wgt };
}

/**
 * An axis's taps without the zero-weight ones, as offsets into packed arrays (tap t of output o is
 * at start[o] <= t < start[o + 1]). An exact 2x or 4x shrink puts every other bilinear tap on a
 * pixel centre, with weight 0 for its neighbour: the detector's 640 -> 320 input had half its
 * multiply-adds on zeros. Dropping them changes no sum (adding 0 x v leaves a sum as it was), so the
 * output is the same to the bit (test/unit/image.test.ts holds it to the full-tap version).
 */
function nonzeroTaps({ idx, wgt }: { idx: Int32Array; wgt: Float32Array }, out: number): { start: Int32Array; idx: Int32Array; wgt: Float32Array } {
  const per = idx.length / out;
  const start = new Int32Array(out + 1);
  const keptIdx = new Int32Array(idx.length), keptWgt = new Float32Array(wgt.length);
  let kept = 0;
  for (let o = 0; o < out; o++) {
    for (let t = o * per; t < (o + 1) * per; t++) {
      if (wgt[t] === 0) continue;
      keptIdx[kept] = idx[t] as number;
      keptWgt[kept++] = wgt[t] as number;
    }
    start[o + 1] = kept;
  }
  return { start, idx: keptIdx, wgt: keptWgt };
}

/**
 * The axis-aligned case of sampleToChw (detector and landmark crops): separable, with the taps of
 * each row and column computed once. Same result as the general path, several times faster.
 */
function resizeToChw(src: RgbaImage, map: Affine, outW: number, outH: number, layout: ChannelLayout, norm: Normalize, maxTaps: number): Float32Array {
  const [a, , c, , e, f] = map;
  const nx = Math.max(1, Math.min(maxTaps, Math.round(Math.abs(a))));
  const ny = Math.max(1, Math.min(maxTaps, Math.round(Math.abs(e))));
  const n = Math.max(nx, ny);
  const xs = nonzeroTaps(axisTaps(a, c, outW, src.width, n), outW);
  const ys = nonzeroTaps(axisTaps(e, f, outH, src.height, n), outH);
  const plane = outW * outH;
  const out = new Float32Array((layout === 'gray' ? 1 : 3) * plane);
  const { width: w, data } = src;
  const [ri, gi, bi] = layout === 'bgr' ? [2, 1, 0] : [0, 1, 2];
  // Byte offsets of the taps (pixel index x 4), and the packed arrays in locals: the loop below runs
  // once per tap per output pixel.
  const xStart = xs.start, xWgt = xs.wgt, xOff = xs.idx.map((i) => i * 4);
  const yStart = ys.start, yWgt = ys.wgt, yOff = ys.idx.map((i) => i * w * 4);
  const gray = layout === 'gray', mean = norm.mean, scale = norm.scale;
  for (let y = 0; y < outH; y++) {
    const j0 = yStart[y] as number, j1 = yStart[y + 1] as number;
    for (let x = 0; x < outW; x++) {
      let r = 0, g = 0, b = 0;
      const i0 = xStart[x] as number, i1 = xStart[x + 1] as number;
      for (let j = j0; j < j1; j++) {
        const wy = yWgt[j] as number;
        const row = yOff[j] as number;
        for (let i = i0; i < i1; i++) {
          const wx = (xWgt[i] as number) * wy;
          const p = row + (xOff[i] as number);
          r += wx * (data[p + ri] as number);
          g += wx * (data[p + gi] as number);
          b += wx * (data[p + bi] as number);
        }
      }
      const o = y * outW + x;
      if (gray) out[o] = (luma(r, g, b) - mean) / scale;
      else {
        out[o] = (r - mean) / scale;
        out[plane + o] = (g - mean) / scale;
        out[2 * plane + o] = (b - mean) / scale;
      }
    }
  }
  return out;
}
