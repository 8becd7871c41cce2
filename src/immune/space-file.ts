/**
 * @module Space file: the fitted immune space (mean face, eigenface basis, per-component
 * variances) as one compact binary, parsed without copying. Layout (little-endian, every
 * section 16-byte aligned):
 *   0  "PINS" | 4 version=1 | 8 format (0 f32, 1 f16, 2 i8) | 12 d | 16 k | 20 side | 24 seed | 28 faces
 *   32..63 reserved (0)
 *   64            mean        f32[d]
 *   then          variances   f32[k]   (component variance on the fitting faces, descending)
 *   then          scales      f32[k]   (i8 only: value = scale[k] * q[k, j])
 *   then          basis       k rows of d values (f32 | f16 | i8), component-major
 */
export type BasisFormat = 'f32' | 'f16' | 'i8';
const FORMATS: readonly BasisFormat[] = ['f32', 'f16', 'i8'];
const HEADER = 64;
const align16 = (n: number): number => (n + 15) & ~15;
const BYTES: Record<BasisFormat, number> = { f32: 4, f16: 2, i8: 1 };

export interface ImmuneSpace {
  format: BasisFormat;
  d: number;
  k: number;
  side: number;
  seed: number;
  faces: number;
  mean: Float32Array;
  variances: Float32Array;
  scales: Float32Array | undefined;
  /** Raw stored basis bytes, k x d in `format`. */
  basis: Uint8Array;
}

const layout = (format: BasisFormat, d: number, k: number) => {
  const mean = HEADER;
  const variances = align16(mean + 4 * d);
  const scales = align16(variances + 4 * k);
  const basis = format === 'i8' ? align16(scales + 4 * k) : scales;
  return { mean, variances, scales, basis, end: basis + BYTES[format] * k * d };
};

export function parseSpace(bytes: Uint8Array): ImmuneSpace {
  const fail = (why: string): never => { throw new Error(`[pinface] [immune-space] ${why}. Rebuild it with npm run fit.`); };
  if (bytes.length < HEADER || String.fromCharCode(...bytes.subarray(0, 4)) !== 'PINS') fail('not a PINS space file');
  if (bytes.byteOffset % 4 !== 0) bytes = bytes.slice(); // typed views below need 4-byte alignment
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(4, true) !== 1) fail(`unsupported version ${dv.getUint32(4, true)}`);
  const format = FORMATS[dv.getUint32(8, true)] ?? fail('unknown basis format');
  const d = dv.getUint32(12, true), k = dv.getUint32(16, true);
  const at = layout(format, d, k);
  if (bytes.length < at.end) fail(`truncated: ${bytes.length} < ${at.end} bytes`);
  const f32 = (off: number, n: number) => new Float32Array(bytes.buffer, bytes.byteOffset + off, n);
  return {
    format, d, k, side: dv.getUint32(20, true), seed: dv.getUint32(24, true), faces: dv.getUint32(28, true),
    mean: f32(at.mean, d), variances: f32(at.variances, k),
    scales: format === 'i8' ? f32(at.scales, k) : undefined,
    basis: bytes.subarray(at.basis, at.end),
  };
}

/** f32 -> IEEE half, round to nearest even; basis values are small, so no overflow handling beyond clamping. */
export function toHalf(v: number): number {
  const f = new Float32Array([v]);
  const u = new Uint32Array(f.buffer)[0] as number;
  const sign = (u >>> 16) & 0x8000;
  const exp = ((u >>> 23) & 0xff) - 127 + 15;
  if (exp <= 0) return sign; // subnormal halves flush to zero, as the kernel reads them
  if (exp >= 31) return sign | 0x7bff;
  const mant = u & 0x7fffff;
  let h = sign | (exp << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1))) h++;
  return h;
}

/** Serialises an f32 basis (k rows of d) into the chosen storage format. */
export function serializeSpace(s: Omit<ImmuneSpace, 'basis' | 'scales' | 'format'> & { basis: Float32Array }, format: BasisFormat): Uint8Array {
  const at = layout(format, s.d, s.k);
  const out = new Uint8Array(at.end);
  const dv = new DataView(out.buffer);
  out.set([0x50, 0x49, 0x4e, 0x53]);
  dv.setUint32(4, 1, true);
  dv.setUint32(8, FORMATS.indexOf(format), true);
  dv.setUint32(12, s.d, true); dv.setUint32(16, s.k, true); dv.setUint32(20, s.side, true);
  dv.setUint32(24, s.seed, true); dv.setUint32(28, s.faces, true);
  new Float32Array(out.buffer, at.mean, s.d).set(s.mean);
  new Float32Array(out.buffer, at.variances, s.k).set(s.variances);
  if (format === 'f32') new Float32Array(out.buffer, at.basis, s.k * s.d).set(s.basis);
  if (format === 'f16') {
    const h = new Uint16Array(out.buffer, at.basis, s.k * s.d);
    for (let i = 0; i < h.length; i++) h[i] = toHalf(s.basis[i] as number);
  }
  if (format === 'i8') {
    const scales = new Float32Array(out.buffer, at.scales, s.k);
    const q = new Int8Array(out.buffer, at.basis, s.k * s.d);
    for (let c = 0; c < s.k; c++) {
      let big = 0;
      for (let j = 0; j < s.d; j++) big = Math.max(big, Math.abs(s.basis[c * s.d + j] as number));
      const scale = big > 0 ? big / 127 : 1;
      scales[c] = scale;
      for (let j = 0; j < s.d; j++) q[c * s.d + j] = Math.round((s.basis[c * s.d + j] as number) / scale);
    }
  }
  return out;
}
