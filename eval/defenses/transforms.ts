/**
 * @module Input-transform baselines (the defenses RobFR and the PIN paper compare against),
 * each a function of one aligned grayscale face (112x112, 0-255) to a new face: JPEG
 * re-compression, bit-depth reduction, 3x3 median, Gaussian blur, random resize-and-pad.
 * Inputs are never mutated; outputs are clamped to [0, 255].
 */
import { readFileSync } from 'node:fs';
import encode, { init as initEncode } from '@jsquash/jpeg/encode';
import decode, { init as initDecode } from '@jsquash/jpeg/decode';

export const FACE_SIDE = 112;
const N = FACE_SIDE * FACE_SIDE;
export type Rng = () => number;
export type FaceTransform = (face: Float32Array, rng: Rng) => Float32Array | Promise<Float32Array>;

const clamp = (v: number) => Math.max(0, Math.min(255, v));

/**
 * Bilinear tap for resizing `src` pixels to `dst` with half-pixel centres (as our aligner
 * samples): the output position `centre` (pixel index + 0.5) reads source pixels i0 and i1
 * with weights 1 - f and f, clamped at the edges.
 */
export function bilinearTap(centre: number, src: number, dst: number): [i0: number, i1: number, f: number] {
  const s = Math.max(0, Math.min(src - 1, (centre * src) / dst - 0.5));
  const i0 = Math.floor(s);
  return [i0, Math.min(src - 1, i0 + 1), s - i0];
}
const at = (f: Float32Array, x: number, y: number) => f[Math.max(0, Math.min(FACE_SIDE - 1, y)) * FACE_SIDE + Math.max(0, Math.min(FACE_SIDE - 1, x))] as number;

/** 2^bits grey levels spread over 0-255 (Xu et al. 2018, feature squeezing). */
export function bitDepth(bits: number): FaceTransform {
  const levels = 2 ** bits - 1;
  return (face) => face.map((v) => (Math.round((clamp(v) / 255) * levels) * 255) / levels);
}

/** 3x3 median, edges replicated. */
export function median3(): FaceTransform {
  return (face) => {
    const out = new Float32Array(N);
    const win = new Float64Array(9);
    for (let y = 0; y < FACE_SIDE; y++) for (let x = 0; x < FACE_SIDE; x++) {
      let k = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) win[k++] = at(face, x + dx, y + dy);
      win.sort();
      out[y * FACE_SIDE + x] = win[4] as number;
    }
    return out;
  };
}

/** Normalised Gaussian weights for offsets -radius..radius. */
export function gaussianWeights(sigma: number, radius = Math.ceil(3 * sigma)): number[] {
  const raw = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const sum = raw.reduce((x, y) => x + y, 0);
  return raw.map((v) => v / sum);
}

/** Separable convolution of a 112x112 image with symmetric weights; edges replicated or zero. */
export function convolveSeparable(img: Float32Array, w: number[], edge: 'replicate' | 'zero'): Float32Array {
  const r = (w.length - 1) >> 1;
  const read = (f: Float32Array, x: number, y: number) =>
    edge === 'replicate' ? at(f, x, y) : x < 0 || y < 0 || x >= FACE_SIDE || y >= FACE_SIDE ? 0 : (f[y * FACE_SIDE + x] as number);
  const tmp = new Float32Array(N), out = new Float32Array(N);
  for (let y = 0; y < FACE_SIDE; y++) for (let x = 0; x < FACE_SIDE; x++) {
    let acc = 0;
    for (let i = -r; i <= r; i++) acc += (w[i + r] as number) * read(img, x + i, y);
    tmp[y * FACE_SIDE + x] = acc;
  }
  for (let y = 0; y < FACE_SIDE; y++) for (let x = 0; x < FACE_SIDE; x++) {
    let acc = 0;
    for (let i = -r; i <= r; i++) acc += (w[i + r] as number) * read(tmp, x, y + i);
    out[y * FACE_SIDE + x] = acc;
  }
  return out;
}

/** Separable Gaussian, radius ceil(3 sigma), edges replicated. */
export function gaussianBlur(sigma: number): FaceTransform {
  const w = gaussianWeights(sigma);
  return (face) => convolveSeparable(face, w, 'replicate').map(clamp);
}

/**
 * Xie et al. 2018, at our face size: resize to s x s (s uniform in [minSide, maxSide]),
 * bilinear, then place at a random offset on a mid-gray 112 x 112 canvas.
 */
export function randomResizePad(minSide: number, maxSide: number): FaceTransform {
  return (face, rng) => {
    const s = minSide + Math.floor(rng() * (maxSide - minSide + 1));
    const ox = Math.floor(rng() * (FACE_SIDE - s + 1)), oy = Math.floor(rng() * (FACE_SIDE - s + 1));
    const out = new Float32Array(N).fill(127.5);
    for (let y = 0; y < s; y++) {
      const [y0, y1, fy] = bilinearTap(y + 0.5, FACE_SIDE, s);
      for (let x = 0; x < s; x++) {
        const [x0, x1, fx] = bilinearTap(x + 0.5, FACE_SIDE, s);
        const top = at(face, x0, y0) * (1 - fx) + at(face, x1, y0) * fx;
        const bot = at(face, x0, y1) * (1 - fx) + at(face, x1, y1) * fx;
        out[(oy + y) * FACE_SIDE + ox + x] = clamp(top * (1 - fy) + bot * fy);
      }
    }
    return out;
  };
}

export interface JpegCodec {
  encode(img: { width: number; height: number; data: Uint8ClampedArray }, quality: number): Promise<Uint8Array>;
  decode(bytes: Uint8Array): Promise<{ width: number; height: number; data: Uint8ClampedArray }>;
}

/** JPEG re-compression of the gray face (stored as RGB with R = G = B, read back from R). */
export function jpeg(quality: number, codec: JpegCodec): FaceTransform {
  return async (face) => {
    const data = new Uint8ClampedArray(N * 4);
    for (let i = 0; i < N; i++) { const v = Math.round(clamp(face[i] as number)); data[4 * i] = v; data[4 * i + 1] = v; data[4 * i + 2] = v; data[4 * i + 3] = 255; }
    const back = await codec.decode(await codec.encode({ width: FACE_SIDE, height: FACE_SIDE, data }, quality));
    return Float32Array.from({ length: N }, (_, i) => back.data[4 * i] as number);
  };
}

let nodeCodec: Promise<JpegCodec> | undefined;

/** mozjpeg from @jsquash/jpeg, initialised once from its wasm files (Node: the attack lab only). */
export function nodeJpegCodec(): Promise<JpegCodec> {
  nodeCodec ??= (async () => {
    const g = globalThis as { ImageData?: unknown };
    // The Emscripten codecs construct ImageData, which Node lacks.
    g.ImageData ??= class ImageData { constructor(readonly data: Uint8ClampedArray, readonly width: number, readonly height: number) {} };
    const wasm = (p: string) => WebAssembly.compile(readFileSync(new URL(`../../node_modules/@jsquash/jpeg/codec/${p}`, import.meta.url)));
    await initEncode(await wasm('enc/mozjpeg_enc.wasm'));
    await initDecode(await wasm('dec/mozjpeg_dec.wasm'));
    return {
      encode: async (img, quality) => new Uint8Array(await encode({ ...img, colorSpace: 'srgb' } as ImageData, { quality, baseline: true })),
      decode: async (bytes) => decode(bytes.slice().buffer),
    };
  })();
  return nodeCodec;
}
