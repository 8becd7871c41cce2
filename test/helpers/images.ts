/** Synthetic test images and byte surgery on encoded files (EXIF insertion, segment removal). */
import { jpegSegments } from '../../src/pipeline/decode/header.ts';
import type { Rgba } from './wasm.ts';

export type Rgb = readonly [number, number, number];
export const RED: Rgb = [255, 0, 0];
export const GREEN: Rgb = [0, 255, 0];
export const BLUE: Rgb = [0, 0, 255];
export const WHITE: Rgb = [255, 255, 255];

/** Deterministic PRNG (mulberry32), so "random" fixtures are the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const randomBytes = (n: number, seed: number): Uint8Array<ArrayBuffer> => {
  const next = prng(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(next() * 256));
};

/** Four solid quadrants, top-left red, top-right green, bottom-left blue, bottom-right white. */
export function quadrants(width: number, height: number, noise = 0): Rgba {
  const data = new Uint8ClampedArray(width * height * 4);
  const next = prng(width * 31 + height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = y < height / 2 ? (x < width / 2 ? RED : GREEN) : x < width / 2 ? BLUE : WHITE;
      const i = (y * width + x) * 4;
      for (let k = 0; k < 3; k++) data[i + k] = (c[k] as number) + (noise ? (next() - 0.5) * noise : 0);
      data[i + 3] = 255;
    }
  }
  return { width, height, data };
}

/** The colour at the centre of each quadrant: [top-left, top-right, bottom-left, bottom-right]. */
export function quadrantColours(img: { width: number; height: number; data: ArrayLike<number> }): Rgb[] {
  const at = (fx: number, fy: number): Rgb => {
    const i = (Math.floor(img.height * fy) * img.width + Math.floor(img.width * fx)) * 4;
    return [img.data[i] as number, img.data[i + 1] as number, img.data[i + 2] as number];
  };
  return [at(0.25, 0.25), at(0.75, 0.25), at(0.25, 0.75), at(0.75, 0.75)];
}

export const near = (a: Rgb, b: Rgb, tolerance = 24): boolean => a.every((v, k) => Math.abs(v - (b[k] as number)) <= tolerance);

const concat = (...parts: ArrayLike<number>[]): Uint8Array<ArrayBuffer> => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
};

/** The JPEG with an APP1 Exif segment (IFD0 holding only orientation) inserted after SOI. */
export function withExifOrientation(jpeg: Uint8Array, orientation: number, order: 'II' | 'MM' = 'II'): Uint8Array<ArrayBuffer> {
  const le = order === 'II';
  const tiff = new Uint8Array(26);
  const dv = new DataView(tiff.buffer);
  tiff.set([order.charCodeAt(0), order.charCodeAt(1)]);
  dv.setUint16(2, 42, le);
  dv.setUint32(4, 8, le); // IFD0 right after the header
  dv.setUint16(8, 1, le); // one entry
  dv.setUint16(10, 0x0112, le);
  dv.setUint16(12, 3, le); // SHORT
  dv.setUint32(14, 1, le);
  dv.setUint16(18, orientation, le);
  const payload = concat(new TextEncoder().encode('Exif\0\0'), tiff);
  const size = payload.length + 2;
  return concat(jpeg.subarray(0, 2), [0xff, 0xe1, size >> 8, size & 0xff], payload, jpeg.subarray(2));
}

/** The JPEG without its marker segments of type `marker` (e.g. 0xdb, the quantization tables). */
export function withoutSegments(jpeg: Uint8Array, marker: number): Uint8Array<ArrayBuffer> {
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const seg of jpegSegments(jpeg)) {
    if (seg.marker !== marker) continue;
    parts.push(jpeg.subarray(from, seg.offset - 4));
    from = seg.offset + seg.length;
  }
  parts.push(jpeg.subarray(from));
  return concat(...parts);
}

/** A WebP that is only a VP8X header claiming a `width` x `height` canvas (optionally animated). */
export function vp8xHeader(width: number, height: number, flags = 0): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(30);
  const dv = new DataView(b.buffer);
  b.set(new TextEncoder().encode('RIFF'), 0);
  dv.setUint32(4, 22, true);
  b.set(new TextEncoder().encode('WEBPVP8X'), 8);
  dv.setUint32(16, 10, true);
  b[20] = flags;
  const u24 = (at: number, v: number): void => { b[at] = v & 0xff; b[at + 1] = (v >> 8) & 0xff; b[at + 2] = (v >> 16) & 0xff; };
  u24(24, width - 1);
  u24(27, height - 1);
  return b;
}
