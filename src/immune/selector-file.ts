/**
 * @module Selector file: the learned PIN selector (scripts/train-selector.ts) as one compact
 * binary the SIMD kernel runs directly: its two dense layers are "bases" whose coefficients
 * are the layer's pre-activations. Layout (little-endian, every section 16-byte aligned):
 *   0  "PINL" | 4 version=1 | 8 k | 12 kp (k rounded up to 16) | 16 hidden | 20 lambda f32 | 24 noise f32 | 28 seed
 *   32..63 reserved (0)
 *   64     alpha  f32[k]          weight of the closed-form feature per component
 *   then   bias   f32[k]          output bias
 *   then   b1     f32[hidden]
 *   then   w1     f32[hidden x kp] (rows: hidden units over the padded input)
 *   then   w2     f32[k x hidden]  (rows: components over the hidden units)
 */
const HEADER = 64;
const align16 = (n: number): number => (n + 15) & ~15;

export interface SelectorNet {
  k: number;
  /** Input width in the kernel: k padded to a multiple of 16 with zeros. */
  kp: number;
  hidden: number;
  /** The sparsity weight and noise level the selector was trained for (its closed-form feature uses them). */
  lambda: number;
  noise: number;
  seed: number;
  alpha: Float32Array;
  bias: Float32Array;
  b1: Float32Array;
  w1: Float32Array;
  w2: Float32Array;
}

const layout = (k: number, kp: number, hidden: number) => {
  const alpha = HEADER;
  const bias = align16(alpha + 4 * k);
  const b1 = align16(bias + 4 * k);
  const w1 = align16(b1 + 4 * hidden);
  const w2 = align16(w1 + 4 * hidden * kp);
  return { alpha, bias, b1, w1, w2, end: w2 + 4 * k * hidden };
};

export function parseSelector(bytes: Uint8Array): SelectorNet {
  const fail = (why: string): never => { throw new Error(`[pinface] [selector] ${why}. Rebuild it with npm run train:selector.`); };
  if (bytes.length < HEADER || String.fromCharCode(...bytes.subarray(0, 4)) !== 'PINL') fail('not a PINL selector file');
  if (bytes.byteOffset % 4 !== 0) bytes = bytes.slice();
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(4, true) !== 1) fail(`unsupported version ${dv.getUint32(4, true)}`);
  const k = dv.getUint32(8, true), kp = dv.getUint32(12, true), hidden = dv.getUint32(16, true);
  if (kp % 16 !== 0 || kp < k || hidden % 16 !== 0) fail('k padding and hidden width must be multiples of 16');
  const at = layout(k, kp, hidden);
  if (bytes.length < at.end) fail(`truncated: ${bytes.length} < ${at.end} bytes`);
  const f32 = (off: number, n: number) => new Float32Array(bytes.buffer, bytes.byteOffset + off, n);
  return {
    k, kp, hidden, lambda: dv.getFloat32(20, true), noise: dv.getFloat32(24, true), seed: dv.getUint32(28, true),
    alpha: f32(at.alpha, k), bias: f32(at.bias, k), b1: f32(at.b1, hidden), w1: f32(at.w1, hidden * kp), w2: f32(at.w2, k * hidden),
  };
}

export function serializeSelector(n: SelectorNet): Uint8Array {
  const at = layout(n.k, n.kp, n.hidden);
  const out = new Uint8Array(at.end);
  const dv = new DataView(out.buffer);
  out.set([0x50, 0x49, 0x4e, 0x4c]);
  dv.setUint32(4, 1, true);
  dv.setUint32(8, n.k, true);
  dv.setUint32(12, n.kp, true);
  dv.setUint32(16, n.hidden, true);
  dv.setFloat32(20, n.lambda, true);
  dv.setFloat32(24, n.noise, true);
  dv.setUint32(28, n.seed, true);
  const put = (off: number, a: Float32Array) => new Float32Array(out.buffer, off, a.length).set(a);
  put(at.alpha, n.alpha);
  put(at.bias, n.bias);
  put(at.b1, n.b1);
  put(at.w1, n.w1);
  put(at.w2, n.w2);
  return out;
}
