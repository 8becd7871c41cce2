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

function coefficientsT<T>(basis: usize, scales: usize, z: usize, y: usize, k: i32, d: i32): void {
  const rowBytes = <usize>d * sizeof<T>();
  for (let c: usize = 0; c < <usize>k; c++) {
    const row = basis + c * rowBytes;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    for (let j: usize = 0; j < <usize>d; j += 16) {
      const zj = z + (j << 2);
      a0 = f32x4.add(a0, f32x4.mul(load4<T>(row, j), v128.load(zj)));
      a1 = f32x4.add(a1, f32x4.mul(load4<T>(row, j + 4), v128.load(zj, 16)));
      a2 = f32x4.add(a2, f32x4.mul(load4<T>(row, j + 8), v128.load(zj, 32)));
      a3 = f32x4.add(a3, f32x4.mul(load4<T>(row, j + 12), v128.load(zj, 48)));
    }
    store<f32>(y + (c << 2), hsum(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3))) * rowScale<T>(scales, c));
  }
}

/**
 * out = mu + sum over the `count` component indices in `idx` (i32) of y[c] E_c. Rows are taken
 * four at a time so `out` is read and written once per four rows instead of once per row.
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
    for (let j: usize = 0; j < <usize>d; j += 4) {
      const o = out + (j << 2);
      const s01 = f32x4.add(f32x4.mul(w0, load4<T>(r0, j)), f32x4.mul(w1, load4<T>(r1, j)));
      const s23 = f32x4.add(f32x4.mul(w2, load4<T>(r2, j)), f32x4.mul(w3, load4<T>(r3, j)));
      v128.store(o, f32x4.add(v128.load(o), f32x4.add(s01, s23)));
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

export function coefficients(format: i32, basis: usize, scales: usize, z: usize, y: usize, k: i32, d: i32): void {
  if (format == FORMAT_F32) coefficientsT<f32>(basis, scales, z, y, k, d);
  else if (format == FORMAT_F16) coefficientsT<u16>(basis, scales, z, y, k, d);
  else coefficientsT<i8>(basis, scales, z, y, k, d);
}

export function reconstruct(format: i32, basis: usize, scales: usize, mu: usize, y: usize, idx: usize, count: i32, out: usize, d: i32): void {
  if (format == FORMAT_F32) reconstructT<f32>(basis, scales, mu, y, idx, count, out, d);
  else if (format == FORMAT_F16) reconstructT<u16>(basis, scales, mu, y, idx, count, out, d);
  else reconstructT<i8>(basis, scales, mu, y, idx, count, out, d);
}
