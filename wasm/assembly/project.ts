/**
 * The immune-space projection, x' = mu + E_S E_S^T (x - mu), in two passes over the basis:
 * coefficients() computes y = E^T (x - mu) for every component, reconstruct() adds back the
 * selected rows. The basis is k rows of d values stored as f32, f16 (T = u16) or int8 with a
 * per-row scale (T = i8); it is widened to f32 four values at a time inside the loops.
 * Requirements (checked by the caller): every pointer 16-byte aligned, d a multiple of 16.
 */
import { hsum } from './inline/hsum';
import { halvesToF32 } from './inline/dequant';

// @ts-ignore: decorator
@inline
function load4<T>(row: usize, j: usize): v128 {
  if (sizeof<T>() == 4) return v128.load(row + (j << 2));
  if (sizeof<T>() == 2) return halvesToF32(i32x4.extend_low_i16x8_u(v128.load64_zero(row + (j << 1))));
  return f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(i16x8.extend_low_i8x16_s(v128.load32_zero(row + j))));
}

// @ts-ignore: decorator
@inline
function rowScale<T>(scales: usize, c: usize): f32 {
  return sizeof<T>() == 1 ? load<f32>(scales + (c << 2)) : 1;
}

/** z = x - mu; returns ||x||^2 (the selector's noise level is relative to the input norm). */
export function center(x: usize, mu: usize, z: usize, d: i32): f32 {
  let e = f32x4.splat(0);
  for (let j: usize = 0; j < <usize>d; j += 4) {
    const o = j << 2;
    const v = v128.load(x + o);
    e = f32x4.add(e, f32x4.mul(v, v));
    v128.store(z + o, f32x4.sub(v, v128.load(mu + o)));
  }
  return hsum(e);
}

/** y_c = scale_c <E_c, z> for f32 and f16 rows, four rows per sweep so each z chunk is loaded once for four rows. */
function coefficientsT<T>(basis: usize, scales: usize, z: usize, y: usize, k: i32, d: i32): void {
  const rowBytes = <usize>d * sizeof<T>();
  let c: usize = 0;
  for (; c + 4 <= <usize>k; c += 4) {
    const r0 = basis + c * rowBytes, r1 = r0 + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0);
    for (let j: usize = 0; j < <usize>d; j += 8) {
      const zl = v128.load(z + (j << 2)), zh = v128.load(z + (j << 2), 16);
      a0 = f32x4.add(a0, f32x4.mul(load4<T>(r0, j), zl));
      b0 = f32x4.add(b0, f32x4.mul(load4<T>(r0, j + 4), zh));
      a1 = f32x4.add(a1, f32x4.mul(load4<T>(r1, j), zl));
      b1 = f32x4.add(b1, f32x4.mul(load4<T>(r1, j + 4), zh));
      a2 = f32x4.add(a2, f32x4.mul(load4<T>(r2, j), zl));
      b2 = f32x4.add(b2, f32x4.mul(load4<T>(r2, j + 4), zh));
      a3 = f32x4.add(a3, f32x4.mul(load4<T>(r3, j), zl));
      b3 = f32x4.add(b3, f32x4.mul(load4<T>(r3, j + 4), zh));
    }
    store<f32>(y + (c << 2), hsum(f32x4.add(a0, b0)));
    store<f32>(y + (c << 2), hsum(f32x4.add(a1, b1)), 4);
    store<f32>(y + (c << 2), hsum(f32x4.add(a2, b2)), 8);
    store<f32>(y + (c << 2), hsum(f32x4.add(a3, b3)), 12);
  }
  for (; c < <usize>k; c++) {
    const row = basis + c * rowBytes;
    let a = f32x4.splat(0), b = f32x4.splat(0);
    for (let j: usize = 0; j < <usize>d; j += 8) {
      a = f32x4.add(a, f32x4.mul(load4<T>(row, j), v128.load(z + (j << 2))));
      b = f32x4.add(b, f32x4.mul(load4<T>(row, j + 4), v128.load(z + (j << 2), 16)));
    }
    store<f32>(y + (c << 2), hsum(f32x4.add(a, b)));
  }
}

/**
 * z (f32[d]) -> z16 (i16[d]) with one step for the whole face, z16 = round(z / step),
 * step = max|z| / 32767; returns step (0 for an all-zero z). Relative error <= 1.5e-5 of max|z|.
 */
function quantizeI16(z: usize, z16: usize, d: i32): f32 {
  let m = f32x4.splat(0);
  for (let j: usize = 0; j < <usize>d; j += 4) m = f32x4.max(m, f32x4.abs(v128.load(z + (j << 2))));
  const m2 = f32x4.max(m, i32x4.shuffle(m, m, 2, 3, 0, 1));
  const mx = max(f32x4.extract_lane(m2, 0), f32x4.extract_lane(m2, 1));
  if (mx == 0) { memory.fill(z16, 0, <usize>d << 1); return 0; }
  const inv = f32x4.splat(<f32>32767 / mx);
  for (let j: usize = 0; j < <usize>d; j += 8) {
    const lo = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(z + (j << 2)), inv)));
    const hi = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(z + (j << 2), 16), inv)));
    v128.store(z16 + (j << 1), i16x8.narrow_i32x4_s(lo, hi));
  }
  return mx / <f32>32767;
}

/** Elements per integer block: |sum| <= 64 steps x 4 products x 128 x 32767 < 2^31, so i32 never overflows. */
const I8_BLOCK: usize = 1024;

// @ts-ignore: decorator
@inline
function dotI8(row: usize, j: usize, zl: v128, zh: v128): v128 {
  const q = v128.load(row + j);
  return i32x4.add(i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(q), zl), i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(q), zh));
}

/**
 * int8 rows: the centred face is quantised to i16 once (quantizeI16), then each row is an exact
 * integer dot product (i8 x i16 pairs summed in i32 by i32x4.dot_i16x8_s) in blocks of
 * I8_BLOCK elements, each block's sum widened to f32. Four rows per sweep share the z loads.
 */
function coefficientsI8(basis: usize, scales: usize, z: usize, z16: usize, y: usize, k: i32, d: i32): void {
  const step = quantizeI16(z, z16, d);
  const rowBytes = <usize>d;
  let c: usize = 0;
  for (; c + 4 <= <usize>k; c += 4) {
    const r0 = basis + c * rowBytes, r1 = r0 + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes;
    let f0 = f32x4.splat(0), f1 = f32x4.splat(0), f2 = f32x4.splat(0), f3 = f32x4.splat(0);
    for (let b: usize = 0; b < <usize>d; b += I8_BLOCK) {
      const end = min(b + I8_BLOCK, <usize>d);
      let a0 = i32x4.splat(0), a1 = i32x4.splat(0), a2 = i32x4.splat(0), a3 = i32x4.splat(0);
      for (let j = b; j < end; j += 16) {
        const zl = v128.load(z16 + (j << 1)), zh = v128.load(z16 + (j << 1), 16);
        a0 = i32x4.add(a0, dotI8(r0, j, zl, zh));
        a1 = i32x4.add(a1, dotI8(r1, j, zl, zh));
        a2 = i32x4.add(a2, dotI8(r2, j, zl, zh));
        a3 = i32x4.add(a3, dotI8(r3, j, zl, zh));
      }
      f0 = f32x4.add(f0, f32x4.convert_i32x4_s(a0));
      f1 = f32x4.add(f1, f32x4.convert_i32x4_s(a1));
      f2 = f32x4.add(f2, f32x4.convert_i32x4_s(a2));
      f3 = f32x4.add(f3, f32x4.convert_i32x4_s(a3));
    }
    store<f32>(y + (c << 2), hsum(f0) * step * load<f32>(scales + (c << 2)));
    store<f32>(y + (c << 2), hsum(f1) * step * load<f32>(scales + (c << 2), 4), 4);
    store<f32>(y + (c << 2), hsum(f2) * step * load<f32>(scales + (c << 2), 8), 8);
    store<f32>(y + (c << 2), hsum(f3) * step * load<f32>(scales + (c << 2), 12), 12);
  }
  for (; c < <usize>k; c++) {
    const row = basis + c * rowBytes;
    let f = f32x4.splat(0);
    for (let b: usize = 0; b < <usize>d; b += I8_BLOCK) {
      const end = min(b + I8_BLOCK, <usize>d);
      let a = i32x4.splat(0);
      for (let j = b; j < end; j += 16) a = i32x4.add(a, dotI8(row, j, v128.load(z16 + (j << 1)), v128.load(z16 + (j << 1), 16)));
      f = f32x4.add(f, f32x4.convert_i32x4_s(a));
    }
    store<f32>(y + (c << 2), hsum(f) * step * load<f32>(scales + (c << 2)));
  }
}

/** Four int8 x weight products, for the four lanes of an i16x8 half (low or high) of a load. */
// @ts-ignore: decorator
@inline
function mulLow(w: v128, h: v128): v128 { return f32x4.mul(w, f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(h))); }
// @ts-ignore: decorator
@inline
function mulHigh(w: v128, h: v128): v128 { return f32x4.mul(w, f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(h))); }

/** out[0..4) += a + b + c + d. */
// @ts-ignore: decorator
@inline
function accumulate(o: usize, a: v128, b: v128, c: v128, d: v128): void {
  v128.store(o, f32x4.add(v128.load(o), f32x4.add(f32x4.add(a, b), f32x4.add(c, d))));
}

/**
 * out = mu + sum over the `count` component indices in `idx` (i32) of y[c] E_c. Rows are taken
 * four at a time so `out` is read and written once per four rows instead of once per row;
 * int8 rows are loaded sixteen values at a time and widened to four f32x4 in registers.
 */
function reconstructT<T>(basis: usize, scales: usize, mu: usize, y: usize, idx: usize, count: i32, out: usize, d: i32): void {
  const rowBytes = <usize>d * sizeof<T>();
  memory.copy(out, mu, <usize>d << 2);
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const c0 = <usize>load<i32>(idx + (<usize>i << 2));
    const c1 = <usize>load<i32>(idx + (<usize>i << 2), 4);
    const c2 = <usize>load<i32>(idx + (<usize>i << 2), 8);
    const c3 = <usize>load<i32>(idx + (<usize>i << 2), 12);
    const r0 = basis + c0 * rowBytes, r1 = basis + c1 * rowBytes, r2 = basis + c2 * rowBytes, r3 = basis + c3 * rowBytes;
    const w0 = f32x4.splat(load<f32>(y + (c0 << 2)) * rowScale<T>(scales, c0));
    const w1 = f32x4.splat(load<f32>(y + (c1 << 2)) * rowScale<T>(scales, c1));
    const w2 = f32x4.splat(load<f32>(y + (c2 << 2)) * rowScale<T>(scales, c2));
    const w3 = f32x4.splat(load<f32>(y + (c3 << 2)) * rowScale<T>(scales, c3));
    if (sizeof<T>() == 1) {
      for (let j: usize = 0; j < <usize>d; j += 16) {
        const q0 = v128.load(r0 + j), q1 = v128.load(r1 + j), q2 = v128.load(r2 + j), q3 = v128.load(r3 + j);
        const o = out + (j << 2);
        let h0 = i16x8.extend_low_i8x16_s(q0), h1 = i16x8.extend_low_i8x16_s(q1), h2 = i16x8.extend_low_i8x16_s(q2), h3 = i16x8.extend_low_i8x16_s(q3);
        accumulate(o, mulLow(w0, h0), mulLow(w1, h1), mulLow(w2, h2), mulLow(w3, h3));
        accumulate(o + 16, mulHigh(w0, h0), mulHigh(w1, h1), mulHigh(w2, h2), mulHigh(w3, h3));
        h0 = i16x8.extend_high_i8x16_s(q0); h1 = i16x8.extend_high_i8x16_s(q1); h2 = i16x8.extend_high_i8x16_s(q2); h3 = i16x8.extend_high_i8x16_s(q3);
        accumulate(o + 32, mulLow(w0, h0), mulLow(w1, h1), mulLow(w2, h2), mulLow(w3, h3));
        accumulate(o + 48, mulHigh(w0, h0), mulHigh(w1, h1), mulHigh(w2, h2), mulHigh(w3, h3));
      }
    } else {
      for (let j: usize = 0; j < <usize>d; j += 4) {
        accumulate(out + (j << 2), f32x4.mul(w0, load4<T>(r0, j)), f32x4.mul(w1, load4<T>(r1, j)), f32x4.mul(w2, load4<T>(r2, j)), f32x4.mul(w3, load4<T>(r3, j)));
      }
    }
  }
  for (; i < count; i++) {
    const c = <usize>load<i32>(idx + (<usize>i << 2));
    const r = basis + c * rowBytes;
    const w = f32x4.splat(load<f32>(y + (c << 2)) * rowScale<T>(scales, c));
    for (let j: usize = 0; j < <usize>d; j += 4) {
      const o = out + (j << 2);
      v128.store(o, f32x4.add(v128.load(o), f32x4.mul(w, load4<T>(r, j))));
    }
  }
}

/** Basis storage formats, as numbered in the space file header. */
export const FORMAT_F32: i32 = 0;
export const FORMAT_F16: i32 = 1;
export const FORMAT_I8: i32 = 2;

/** y = scales . E^T z; `scratch` (2d bytes) holds the i16 copy of z for an int8 basis. */
export function coefficients(format: i32, basis: usize, scales: usize, z: usize, scratch: usize, y: usize, k: i32, d: i32): void {
  if (format == FORMAT_F32) coefficientsT<f32>(basis, scales, z, y, k, d);
  else if (format == FORMAT_F16) coefficientsT<u16>(basis, scales, z, y, k, d);
  else coefficientsI8(basis, scales, z, scratch, y, k, d);
}

export function reconstruct(format: i32, basis: usize, scales: usize, mu: usize, y: usize, idx: usize, count: i32, out: usize, d: i32): void {
  if (format == FORMAT_F32) reconstructT<f32>(basis, scales, mu, y, idx, count, out, d);
  else if (format == FORMAT_F16) reconstructT<u16>(basis, scales, mu, y, idx, count, out, d);
  else reconstructT<i8>(basis, scales, mu, y, idx, count, out, d);
}
