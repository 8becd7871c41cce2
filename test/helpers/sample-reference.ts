/**
 * The rotated sampler as first written (one closure per tap), kept as the reference the inlined
 * sampleToChw must match bit for bit: the accuracy figures were measured with it.
 */
import { axisTaps, luma, type Affine, type ChannelLayout, type Normalize, type RgbaImage } from '../../src/pipeline/image.ts';

export function referenceRotatedSample(src: RgbaImage, map: Affine, outW: number, outH: number, layout: ChannelLayout, norm: Normalize, maxTaps: number): Float32Array {
  const plane = outW * outH;
  const out = new Float32Array((layout === 'gray' ? 1 : 3) * plane);
  const { width: w, height: h, data } = src;
  const [a, b, c, d, e, f] = map;
  const n = Math.max(1, Math.min(maxTaps, Math.round(Math.max(Math.hypot(a, d), Math.hypot(b, e)))));
  const inv = 1 / (n * n);
  const [ri, gi, bi] = layout === 'bgr' ? [2, 1, 0] : [0, 1, 2];
  let r = 0, g = 0, bl = 0;
  const tap = (sx: number, sy: number): void => {
    const x0 = Math.floor(sx), y0 = Math.floor(sy);
    const fx = sx - x0, fy = sy - y0;
    for (let k = 0; k < 4; k++) {
      const xx = x0 + (k & 1), yy = y0 + (k >> 1);
      if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
      const wgt = (k & 1 ? fx : 1 - fx) * (k >> 1 ? fy : 1 - fy);
      const i = (yy * w + xx) * 4;
      r += wgt * (data[i + ri] as number);
      g += wgt * (data[i + gi] as number);
      bl += wgt * (data[i + bi] as number);
    }
  };
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      r = g = bl = 0;
      for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) tap(a * (x + (i + 0.5) / n - 0.5) + b * (y + (j + 0.5) / n - 0.5) + c, d * (x + (i + 0.5) / n - 0.5) + e * (y + (j + 0.5) / n - 0.5) + f);
      const o = y * outW + x;
      if (layout === 'gray') out[o] = (luma(r, g, bl) * inv - norm.mean) / norm.scale;
      else {
        out[o] = (r * inv - norm.mean) / norm.scale;
        out[plane + o] = (g * inv - norm.mean) / norm.scale;
        out[2 * plane + o] = (bl * inv - norm.mean) / norm.scale;
      }
    }
  }
  return out;
}

/**
 * The axis-aligned resize as first written (every tap, zero weights included), kept as the reference
 * the zero-skipping sampleToChw must match bit for bit: the accuracy figures were measured with it.
 */
export function referenceAxisResize(src: RgbaImage, map: Affine, outW: number, outH: number, layout: ChannelLayout, norm: Normalize, maxTaps: number): Float32Array {
  const [a, , c, , e, f] = map;
  const nx = Math.max(1, Math.min(maxTaps, Math.round(Math.abs(a))));
  const ny = Math.max(1, Math.min(maxTaps, Math.round(Math.abs(e))));
  const n = Math.max(nx, ny);
  const xs = axisTaps(a, c, outW, src.width, n);
  const ys = axisTaps(e, f, outH, src.height, n);
  const plane = outW * outH;
  const out = new Float32Array((layout === 'gray' ? 1 : 3) * plane);
  const { width: w, data } = src;
  const [ri, gi, bi] = layout === 'bgr' ? [2, 1, 0] : [0, 1, 2];
  const taps = 2 * n;
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      let r = 0, g = 0, b = 0;
      for (let j = 0; j < taps; j++) {
        const wy = ys.wgt[y * taps + j] as number;
        if (wy === 0) continue;
        const row = (ys.idx[y * taps + j] as number) * w;
        for (let i = 0; i < taps; i++) {
          const wx = (xs.wgt[x * taps + i] as number) * wy;
          const p = (row + (xs.idx[x * taps + i] as number)) * 4;
          r += wx * (data[p + ri] as number);
          g += wx * (data[p + gi] as number);
          b += wx * (data[p + bi] as number);
        }
      }
      const o = y * outW + x;
      if (layout === 'gray') out[o] = (luma(r, g, b) - norm.mean) / norm.scale;
      else {
        out[o] = (r - norm.mean) / norm.scale;
        out[plane + o] = (g - norm.mean) / norm.scale;
        out[2 * plane + o] = (b - norm.mean) / norm.scale;
      }
    }
  }
  return out;
}
