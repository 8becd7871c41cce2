/**
 * @module Kernel boundary: typed wrapper over the SIMD projection kernel (wasm/assembly/,
 * layout in wasm/README.md), instantiated from a compiled module the caller injects.
 * The basis is copied into kernel memory once; per-call scratch is released after each call.
 */
import type { BasisFormat } from '../immune/space-file.ts';

/** The subset of the kernel's exports this wrapper uses (pointers are byte offsets). */
interface KernelExports {
  memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  mark(): number;
  release(to: number): void;
  center(x: number, mu: number, z: number, d: number): number;
  coefficients(format: number, basis: number, scales: number, z: number, scratch: number, y: number, k: number, d: number): void;
  reconstruct(format: number, basis: number, scales: number, mu: number, y: number, idx: number, count: number, out: number, d: number): void;
  matmulNT(a: number, b: number, c: number, m: number, n: number, kd: number): void;
  transpose(a: number, t: number, r: number, c: number): void;
}

const FORMAT_CODE: Record<BasisFormat, number> = { f32: 0, f16: 1, i8: 2 };
const BYTES: Record<BasisFormat, number> = { f32: 4, f16: 2, i8: 1 };

/** A basis resident in kernel memory. */
export interface LoadedBasis {
  readonly format: BasisFormat;
  readonly k: number;
  readonly d: number;
  readonly mean: number;
  readonly basis: number;
  readonly scales: number;
}

export interface Kernel {
  /** Copies mean (f32[d]), basis (k rows of d in `format`) and i8 scales into kernel memory. */
  loadBasis(mean: Float32Array, basis: Uint8Array, format: BasisFormat, k: number, scales?: Float32Array): LoadedBasis;
  /** y = E^T (x - mu) into `out` (length k); returns ||x||^2. */
  coefficients(b: LoadedBasis, x: Float32Array, out: Float32Array): number;
  /** out = mu + sum over components with mask[c] != 0 of y[c] E_c. */
  reconstruct(b: LoadedBasis, y: Float32Array, mask: Uint8Array, out: Float32Array): void;
  /** C[m x n] = A[m x kd] B[n x kd]^T, row-major. */
  matmulNT(a: Float32Array, b: Float32Array, m: number, n: number, kd: number): Float32Array;
  /** C[m x n] = A[m x kd] B[kd x n], row-major (B transposed in kernel memory, then matmulNT). */
  matmulNN(a: Float32Array, b: Float32Array, m: number, n: number, kd: number): Float32Array;
  /** Current size of the kernel's linear memory. */
  memoryBytes(): number;
}

let lastMemory: WebAssembly.Memory | undefined;

/** Linear memory of the most recently created kernel (an app creates one): the basis copy and scratch. */
export const kernelHeapBytes = (): number => lastMemory?.buffer.byteLength ?? 0;

export function initKernel(module: WebAssembly.Module): Kernel {
  const ex = new WebAssembly.Instance(module, {}).exports as unknown as KernelExports;
  lastMemory = ex.memory;
  const alloc = (bytes: number): number => {
    const p = ex.alloc(bytes);
    if (p === 0) throw new RangeError(`[pinface] [kernel] out of memory allocating ${bytes} bytes`);
    return p;
  };
  // Views are re-created after every allocation: growing memory detaches the old buffer.
  const f32 = (p: number, n: number) => new Float32Array(ex.memory.buffer, p, n);
  const put = (data: Float32Array): number => {
    const p = alloc(data.length * 4);
    f32(p, data.length).set(data);
    return p;
  };
  const scratch = <T>(fn: () => T): T => {
    const m = ex.mark();
    try {
      return fn();
    } finally {
      ex.release(m);
    }
  };

  return {
    loadBasis(mean, basis, format, k, scales) {
      const d = mean.length;
      if (d % 16 !== 0) throw new RangeError(`[pinface] [kernel] d = ${d} must be a multiple of 16`);
      if (basis.length !== k * d * BYTES[format]) throw new RangeError(`[pinface] [kernel] basis has ${basis.length} bytes, expected ${k * d * BYTES[format]}`);
      if (format === 'i8' && scales?.length !== k) throw new RangeError('[pinface] [kernel] an i8 basis needs k scales');
      const meanPtr = put(mean);
      const scalesPtr = scales ? put(scales) : 0;
      const basisPtr = alloc(basis.length);
      new Uint8Array(ex.memory.buffer, basisPtr, basis.length).set(basis);
      return { format, k, d, mean: meanPtr, basis: basisPtr, scales: scalesPtr };
    },

    coefficients(b, x, out) {
      return scratch(() => {
        const xp = put(x.subarray(0, b.d));
        const z = alloc(b.d * 4), z16 = alloc(b.d * 2), y = alloc(b.k * 4);
        const energy = ex.center(xp, b.mean, z, b.d);
        ex.coefficients(FORMAT_CODE[b.format], b.basis, b.scales, z, z16, y, b.k, b.d);
        out.set(f32(y, b.k));
        return energy;
      });
    },

    reconstruct(b, y, mask, out) {
      scratch(() => {
        const selected: number[] = [];
        for (let c = 0; c < b.k; c++) if (mask[c]) selected.push(c);
        const yp = put(y.subarray(0, b.k));
        const idx = alloc(selected.length * 4 + 4);
        new Int32Array(ex.memory.buffer, idx, selected.length).set(selected);
        const o = alloc(b.d * 4);
        ex.reconstruct(FORMAT_CODE[b.format], b.basis, b.scales, b.mean, yp, idx, selected.length, o, b.d);
        out.set(f32(o, b.d));
      });
    },

    matmulNT(a, b, m, n, kd) {
      return scratch(() => {
        const ap = put(a.subarray(0, m * kd)), bp = put(b.subarray(0, n * kd)), cp = alloc(m * n * 4);
        ex.matmulNT(ap, bp, cp, m, n, kd);
        return f32(cp, m * n).slice();
      });
    },

    matmulNN(a, b, m, n, kd) {
      return scratch(() => {
        const ap = put(a.subarray(0, m * kd)), bp = put(b.subarray(0, kd * n));
        const bt = alloc(kd * n * 4);
        ex.transpose(bp, bt, kd, n);
        const cp = alloc(m * n * 4);
        ex.matmulNT(ap, bt, cp, m, n, kd);
        return f32(cp, m * n).slice();
      });
    },

    memoryBytes: () => ex.memory.buffer.byteLength,
  };
}
