/**
 * @module PCA by randomized subspace iteration (Halko, Martinsson, Tropp 2011, alg. 4.4):
 * the top-k right singular vectors of the centred N x D face matrix without ever forming the
 * D x D covariance. The big products run on `linalg` (the SIMD kernel); the small
 * orthonormalisations and the L x L eigenproblem run in f64 here. Deterministic for a seed.
 */
import { gaussian } from '../../src/immune/rng.ts';
import { symmetricEigen } from './eig.ts';

export interface Linalg {
  /** C[m x n] = A[m x kd] * B[n x kd]^T, row-major. */
  matmulNT(a: Float32Array, b: Float32Array, m: number, n: number, kd: number): Float32Array;
  /** C[m x n] = A[m x kd] * B[kd x n], row-major. */
  matmulNN(a: Float32Array, b: Float32Array, m: number, n: number, kd: number): Float32Array;
}

export interface PcaResult {
  mean: Float32Array;
  /** k x d, component-major, orthonormal rows. */
  components: Float32Array;
  /** Variance of the faces along each component (sigma^2 / N), descending. */
  variances: Float64Array;
  totalVariance: number;
}

/** Modified Gram-Schmidt on the rows of an r x c matrix, in place (f64 accumulation, two passes). */
export function orthonormalRows(a: Float32Array, r: number, c: number): void {
  const row = new Float64Array(c);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < c; j++) row[j] = a[i * c + j] as number;
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < i; p++) {
        let dot = 0;
        for (let j = 0; j < c; j++) dot += (row[j] as number) * (a[p * c + j] as number);
        for (let j = 0; j < c; j++) row[j] = (row[j] as number) - dot * (a[p * c + j] as number);
      }
    }
    let norm = 0;
    for (let j = 0; j < c; j++) norm += (row[j] as number) ** 2;
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let j = 0; j < c; j++) a[i * c + j] = (row[j] as number) * inv;
  }
}

/**
 * Orthonormal rows by block Gram-Schmidt: each block of rows is cleared of every row before it
 * with two products on `la` (projecting twice is enough for f32 products), then orthonormalised
 * within itself in f64. Replaces an O(r^2 c) scalar loop that took minutes at fitting sizes.
 */
export function orthonormalRowsBlocked(a: Float32Array, r: number, c: number, la: Linalg, block = 64): void {
  for (let b0 = 0; b0 < r; b0 += block) {
    const nb = Math.min(block, r - b0);
    const rows = a.subarray(b0 * c, (b0 + nb) * c);
    if (b0 > 0) {
      const before = a.subarray(0, b0 * c);
      for (let pass = 0; pass < 2; pass++) {
        const coef = la.matmulNT(rows, before, nb, b0, c);
        const along = la.matmulNN(coef, before, nb, c, b0);
        for (let i = 0; i < rows.length; i++) rows[i] = (rows[i] as number) - (along[i] as number);
      }
    }
    orthonormalRows(rows, nb, c);
  }
}

const transpose = (a: Float32Array, r: number, c: number): Float32Array => {
  const t = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) t[j * r + i] = a[i * c + j] as number;
  return t;
};

export interface PcaOptions { k: number; oversample: number; powerIterations: number; seed: number; log?: (msg: string) => void }

/** `x` (n x d, row-major) is centred in place. */
export function randomizedPca(x: Float32Array, n: number, d: number, la: Linalg, o: PcaOptions): PcaResult {
  const log = o.log ?? (() => {});
  const l = Math.min(o.k + o.oversample, n, d);
  const mean = new Float32Array(d);
  const acc = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) acc[j] = (acc[j] as number) + (x[i * d + j] as number);
  for (let j = 0; j < d; j++) mean[j] = (acc[j] as number) / n;
  let total = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) { const v = (x[i * d + j] as number) - (mean[j] as number); x[i * d + j] = v; total += v * v; }
  const rnd = gaussian(o.seed);
  const omega = Float32Array.from({ length: l * d }, rnd);
  log(`sketch Y = X Omega (${n}x${d} by ${d}x${l})`);
  let yt = transpose(la.matmulNT(x, omega, n, l, d), n, l); // l x n
  for (let q = 0; q < o.powerIterations; q++) {
    orthonormalRowsBlocked(yt, l, n, la);
    log(`power iteration ${q + 1}/${o.powerIterations}: Z = Q^T X`);
    const zt = la.matmulNN(yt, x, l, d, n); // l x d
    orthonormalRowsBlocked(zt, l, d, la);
    log(`power iteration ${q + 1}/${o.powerIterations}: Y = X Z`);
    yt = transpose(la.matmulNT(x, zt, n, l, d), n, l);
  }
  orthonormalRowsBlocked(yt, l, n, la);
  log('B = Q^T X');
  const b = la.matmulNN(yt, x, l, d, n); // l x d
  log('B B^T and its eigendecomposition');
  const bbt = la.matmulNT(b, b, l, l, d);
  const sym = new Float64Array(l * l);
  for (let i = 0; i < l; i++) for (let j = 0; j < l; j++) sym[i * l + j] = ((bbt[i * l + j] as number) + (bbt[j * l + i] as number)) / 2;
  const { values, vectors } = symmetricEigen(sym, l);
  const ut = new Float32Array(o.k * l); // top-k eigenvectors as rows
  for (let c = 0; c < o.k; c++) for (let i = 0; i < l; i++) ut[c * l + i] = vectors[i * l + c] as number;
  const components = la.matmulNN(ut, b, o.k, d, l);
  const variances = new Float64Array(o.k);
  for (let c = 0; c < o.k; c++) {
    const sigma = Math.sqrt(Math.max(values[c] as number, 0));
    variances[c] = (sigma * sigma) / n;
    const inv = sigma > 0 ? 1 / sigma : 0;
    for (let j = 0; j < d; j++) components[c * d + j] = (components[c * d + j] as number) * inv;
  }
  return { mean, components, variances, totalVariance: total / n };
}

/** Plain-loop Linalg for tests and small problems. */
export const scalarLinalg: Linalg = {
  matmulNT(a, b, m, n, kd) {
    const c = new Float32Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) { let s = 0; for (let t = 0; t < kd; t++) s += (a[i * kd + t] as number) * (b[j * kd + t] as number); c[i * n + j] = s; }
    return c;
  },
  matmulNN(a, b, m, n, kd) {
    const c = new Float32Array(m * n);
    for (let i = 0; i < m; i++) for (let t = 0; t < kd; t++) { const v = a[i * kd + t] as number; if (v === 0) continue; for (let j = 0; j < n; j++) c[i * n + j] = (c[i * n + j] as number) + v * (b[t * n + j] as number); }
    return c;
  },
};

/**
 * `la` with the products split so no operand handed to it exceeds `maxFloats` (the kernel's
 * linear memory is addressed with 32-bit signed offsets from JS: 2 GB at most). A x B^T splits the
 * rows of A (or of B); A x B splits the shared dimension and sums the partial products, in a fixed
 * order, so results stay deterministic.
 */
export function chunkedLinalg(la: Linalg, maxFloats = 96 * 2 ** 20): Linalg {
  return {
    matmulNT(a, b, m, n, kd) {
      if (m * kd <= maxFloats && n * kd <= maxFloats) return la.matmulNT(a, b, m, n, kd);
      const out = new Float32Array(m * n);
      if (m * kd > maxFloats) {
        const rows = Math.max(1, Math.floor(maxFloats / kd));
        for (let r = 0; r < m; r += rows) {
          const h = Math.min(rows, m - r);
          out.set(this.matmulNT(a.subarray(r * kd, (r + h) * kd), b, h, n, kd), r * n);
        }
        return out;
      }
      const rows = Math.max(1, Math.floor(maxFloats / kd));
      for (let c = 0; c < n; c += rows) {
        const w = Math.min(rows, n - c);
        const part = la.matmulNT(a, b.subarray(c * kd, (c + w) * kd), m, w, kd);
        for (let i = 0; i < m; i++) out.set(part.subarray(i * w, (i + 1) * w), i * n + c);
      }
      return out;
    },
    matmulNN(a, b, m, n, kd) {
      if (m * kd <= maxFloats && n * kd <= maxFloats) return la.matmulNN(a, b, m, n, kd);
      const span = Math.max(1, Math.floor(maxFloats / Math.max(m, n)));
      const out = new Float32Array(m * n);
      for (let k0 = 0; k0 < kd; k0 += span) {
        const w = Math.min(span, kd - k0);
        const aPart = new Float32Array(m * w);
        for (let i = 0; i < m; i++) aPart.set(a.subarray(i * kd + k0, i * kd + k0 + w), i * w);
        const part = la.matmulNN(aPart, b.subarray(k0 * n, (k0 + w) * n), m, n, w);
        for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + (part[i] as number);
      }
      return out;
    },
  };
}
