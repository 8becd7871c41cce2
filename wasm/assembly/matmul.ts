/**
 * Dense f32 products for fitting the space (scripts/fit.ts): C = A B^T with both operands
 * row-major, so every output is a dot product of two contiguous rows. The depth is cut into
 * KC-long slices and rows into MC-row panels so a panel of A stays in L1 while rows of B
 * stream past it; the 4x2 micro-kernel keeps 8 accumulators and loads 6 vectors per 8
 * multiply-adds. Summation order is fixed, so results are bit-for-bit reproducible.
 * Any m, n, kd; pointers 16-byte aligned (rows need not be).
 */
import { hsum } from './inline/hsum';

// @ts-ignore: decorator
@inline const KC: i32 = 512;
// @ts-ignore: decorator
@inline const MC: i32 = 16;

// @ts-ignore: decorator
@inline
function dotTail(pa: usize, pb: usize, from: i32, to: i32): f32 {
  let s: f32 = 0;
  for (let t = from; t < to; t++) s += load<f32>(pa + (<usize>t << 2)) * load<f32>(pb + (<usize>t << 2));
  return s;
}

// @ts-ignore: decorator
@inline
function addTo(c: usize, v: f32): void {
  store<f32>(c, load<f32>(c) + v);
}

/** Rows i..i+3 of A against rows j, j+1 of B over kc values; adds into C. */
function micro4x2(pa: usize, sa: usize, pb: usize, sb: usize, kc: i32, c: usize, sc: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const k4 = kc & ~3;
  for (let t: usize = 0; t < <usize>k4; t += 4) {
    const o = t << 2;
    const b0 = v128.load(pb + o), b1 = v128.load(pb + sb + o);
    const a0 = v128.load(pa + o), a1 = v128.load(pa + sa + o), a2 = v128.load(pa + 2 * sa + o), a3 = v128.load(pa + 3 * sa + o);
    c00 = f32x4.add(c00, f32x4.mul(a0, b0)); c01 = f32x4.add(c01, f32x4.mul(a0, b1));
    c10 = f32x4.add(c10, f32x4.mul(a1, b0)); c11 = f32x4.add(c11, f32x4.mul(a1, b1));
    c20 = f32x4.add(c20, f32x4.mul(a2, b0)); c21 = f32x4.add(c21, f32x4.mul(a2, b1));
    c30 = f32x4.add(c30, f32x4.mul(a3, b0)); c31 = f32x4.add(c31, f32x4.mul(a3, b1));
  }
  addTo(c, hsum(c00) + dotTail(pa, pb, k4, kc));
  addTo(c + 4, hsum(c01) + dotTail(pa, pb + sb, k4, kc));
  addTo(c + sc, hsum(c10) + dotTail(pa + sa, pb, k4, kc));
  addTo(c + sc + 4, hsum(c11) + dotTail(pa + sa, pb + sb, k4, kc));
  addTo(c + 2 * sc, hsum(c20) + dotTail(pa + 2 * sa, pb, k4, kc));
  addTo(c + 2 * sc + 4, hsum(c21) + dotTail(pa + 2 * sa, pb + sb, k4, kc));
  addTo(c + 3 * sc, hsum(c30) + dotTail(pa + 3 * sa, pb, k4, kc));
  addTo(c + 3 * sc + 4, hsum(c31) + dotTail(pa + 3 * sa, pb + sb, k4, kc));
}

/** One row of A against one row of B over kc values; adds into C. */
function micro1x1(pa: usize, pb: usize, kc: i32, c: usize): void {
  let acc = f32x4.splat(0);
  const k4 = kc & ~3;
  for (let t: usize = 0; t < <usize>k4; t += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(pa + (t << 2)), v128.load(pb + (t << 2))));
  addTo(c, hsum(acc) + dotTail(pa, pb, k4, kc));
}

/** C[m x n] = A[m x kd] * B[n x kd]^T. */
export function matmulNT(a: usize, b: usize, c: usize, m: i32, n: i32, kd: i32): void {
  memory.fill(c, 0, <usize>m * <usize>n << 2);
  const sa = <usize>kd << 2, sb = sa, sc = <usize>n << 2;
  for (let k0 = 0; k0 < kd; k0 += KC) {
    const kc = min(KC, kd - k0);
    const ko = <usize>k0 << 2;
    for (let i0 = 0; i0 < m; i0 += MC) {
      const iEnd = min(i0 + MC, m);
      let j = 0;
      for (; j + 2 <= n; j += 2) {
        const pb = b + <usize>j * sb + ko;
        let i = i0;
        for (; i + 4 <= iEnd; i += 4) micro4x2(a + <usize>i * sa + ko, sa, pb, sb, kc, c + <usize>i * sc + (<usize>j << 2), sc);
        for (; i < iEnd; i++) {
          micro1x1(a + <usize>i * sa + ko, pb, kc, c + <usize>i * sc + (<usize>j << 2));
          micro1x1(a + <usize>i * sa + ko, pb + sb, kc, c + <usize>i * sc + (<usize>j << 2) + 4);
        }
      }
      for (; j < n; j++) {
        for (let i = i0; i < iEnd; i++) micro1x1(a + <usize>i * sa + ko, b + <usize>j * sb + ko, kc, c + <usize>i * sc + (<usize>j << 2));
      }
    }
  }
}

/** t[c x r] = a[r x c]^T, in 16x16 tiles so both sides stay in cache. */
export function transpose(a: usize, t: usize, r: i32, c: i32): void {
  for (let i0 = 0; i0 < r; i0 += 16) {
    const iEnd = min(i0 + 16, r);
    for (let j0 = 0; j0 < c; j0 += 16) {
      const jEnd = min(j0 + 16, c);
      for (let i = i0; i < iEnd; i++) {
        for (let j = j0; j < jEnd; j++) store<f32>(t + ((<usize>j * <usize>r + <usize>i) << 2), load<f32>(a + ((<usize>i * <usize>c + <usize>j) << 2)));
      }
    }
  }
}
