/**
 * Scalar reference of the projection maths, in f64, straight from the definitions: the kernel
 * (wasm/assembly/project.ts) must agree with it. Basis rows are dequantised here exactly as the
 * space file defines them.
 */
import type { ImmuneSpace } from '../../src/immune/space-file.ts';

export function dequantizedBasis(s: ImmuneSpace): Float64Array {
  const n = s.k * s.d;
  const out = new Float64Array(n);
  const bytes = s.basis;
  if (s.format === 'f32') {
    const v = new Float32Array(bytes.buffer, bytes.byteOffset, n);
    for (let i = 0; i < n; i++) out[i] = v[i] as number;
  } else if (s.format === 'f16') {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < n; i++) {
      const h = dv.getUint16(2 * i, true);
      const e = (h >> 10) & 31, m = h & 1023;
      const mag = e === 0 ? m * 2 ** -24 : (1 + m / 1024) * 2 ** (e - 15);
      out[i] = h & 0x8000 ? -mag : mag;
    }
  } else {
    const q = new Int8Array(bytes.buffer, bytes.byteOffset, n);
    for (let c = 0; c < s.k; c++) for (let j = 0; j < s.d; j++) out[c * s.d + j] = (s.scales?.[c] as number) * (q[c * s.d + j] as number);
  }
  return out;
}

export function referenceCoefficients(s: ImmuneSpace, e: Float64Array, x: Float32Array): Float64Array {
  const y = new Float64Array(s.k);
  for (let c = 0; c < s.k; c++) {
    let acc = 0;
    for (let j = 0; j < s.d; j++) acc += (e[c * s.d + j] as number) * ((x[j] as number) - (s.mean[j] as number));
    y[c] = acc;
  }
  return y;
}

export function referenceReconstruct(s: ImmuneSpace, e: Float64Array, y: ArrayLike<number>, mask: Uint8Array): Float64Array {
  const out = Float64Array.from(s.mean);
  for (let c = 0; c < s.k; c++) {
    if (!mask[c]) continue;
    for (let j = 0; j < s.d; j++) out[j] = (out[j] as number) + (y[c] as number) * (e[c * s.d + j] as number);
  }
  return out;
}

/** Largest |a - b| relative to the largest |b|: the agreement measure for whole vectors. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0, big = 0;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs((a[i] as number) - (b[i] as number)));
    big = Math.max(big, Math.abs(b[i] as number));
  }
  return err / big;
}
