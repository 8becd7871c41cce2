/**
 * @module Scaled IDCT: an 8x8 block's n x n low frequencies straight to n x n pixels, each the
 * mean of the (8/n)^2 full-resolution pixels it covers. Averaging the 8-point cosine basis over
 * m = 8/n neighbouring samples gives the n-point basis times sin(m u pi/16) / (m sin(u pi/16)),
 * so with that factor the result is what a full decode followed by box downsampling gives, up to
 * the frequencies the scale drops (small after quantisation) and rounding.
 */

const tables = new Map<number, Float64Array>();

/** basis[x * n + u]: weight of frequency u at output sample x, JPEG's C(u)/2 normalisation included. */
export function scaledBasis(n: number): Float64Array {
  let t = tables.get(n);
  if (t) return t;
  t = new Float64Array(n * n);
  const m = 8 / n;
  for (let x = 0; x < n; x++) {
    for (let u = 0; u < n; u++) {
      const c = u === 0 ? Math.SQRT1_2 / 2 : 0.5;
      const box = u === 0 ? 1 : Math.sin((m * u * Math.PI) / 16) / (m * Math.sin((u * Math.PI) / 16));
      t[x * n + u] = c * box * Math.cos(((2 * x + 1) * u * Math.PI) / (2 * n));
    }
  }
  tables.set(n, t);
  return t;
}

/**
 * Dequantises one block's nx x ny coefficients (row-major, `coef` at `at`) and writes ny rows of nx
 * level-shifted, clamped samples into `out` at `outAt` with row stride `outStride`. `quant` is
 * natural order; `bx`/`by` are scaledBasis(nx)/scaledBasis(ny); `tmp` holds nx * ny.
 */
export function idctScaled(
  coef: Int16Array, at: number, nx: number, ny: number, quant: Uint16Array, bx: Float64Array, by: Float64Array, tmp: Float64Array,
  out: Uint8Array, outAt: number, outStride: number,
): void {
  if (nx === 1 && ny === 1) {
    const v = ((coef[at] as number) * (quant[0] as number)) / 8 + 128;
    out[outAt] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
    return;
  }
  // Along rows first: tmp[v * nx + x] = sum_u bx[x, u] F[v, u].
  for (let v = 0; v < ny; v++) {
    for (let x = 0; x < nx; x++) {
      let s = 0;
      for (let u = 0; u < nx; u++) s += (bx[x * nx + u] as number) * (coef[at + v * nx + u] as number) * (quant[v * 8 + u] as number);
      tmp[v * nx + x] = s;
    }
  }
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      let s = 128;
      for (let v = 0; v < ny; v++) s += (by[y * ny + v] as number) * (tmp[v * nx + x] as number);
      out[outAt + y * outStride + x] = s <= 0 ? 0 : s >= 255 ? 255 : Math.round(s);
    }
  }
}
