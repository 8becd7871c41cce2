/**
 * @module Benchmark photos: an LFW face (250x250) scaled up bilinearly to cover a camera-sized
 * canvas (640x480, 1280x960) and written as a baseline JPEG, what a phone upload looks like.
 */
import { readFileSync } from 'node:fs';
import encode, { init as initEncode } from '@jsquash/jpeg/encode';
import type { RgbaImage } from '../../src/pipeline/image.ts';

let encoderReady: Promise<void> | undefined;
const ensureEncoder = () => (encoderReady ??= (async () => {
  await initEncode(await WebAssembly.compile(readFileSync(new URL('../../node_modules/@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm', import.meta.url))));
})());

/** `src` scaled to cover W x H (centre crop), bilinear. */
export function cover(src: RgbaImage, W: number, H: number): Uint8ClampedArray<ArrayBuffer> {
  const s = Math.max(W / src.width, H / src.height);
  const ox = (src.width * s - W) / 2, oy = (src.height * s - H) / 2;
  const out = new Uint8ClampedArray(W * H * 4);
  for (let y = 0; y < H; y++) {
    const fy = Math.min(src.height - 1, Math.max(0, (y + oy + 0.5) / s - 0.5));
    const y0 = Math.floor(fy), y1 = Math.min(src.height - 1, y0 + 1), wy = fy - y0;
    for (let x = 0; x < W; x++) {
      const fx = Math.min(src.width - 1, Math.max(0, (x + ox + 0.5) / s - 0.5));
      const x0 = Math.floor(fx), x1 = Math.min(src.width - 1, x0 + 1), wx = fx - x0;
      for (let c = 0; c < 3; c++) {
        const at = (xx: number, yy: number) => src.data[(yy * src.width + xx) * 4 + c] as number;
        out[(y * W + x) * 4 + c] = (1 - wy) * ((1 - wx) * at(x0, y0) + wx * at(x1, y0)) + wy * ((1 - wx) * at(x0, y1) + wx * at(x1, y1));
      }
      out[(y * W + x) * 4 + 3] = 255;
    }
  }
  return out;
}

export async function cameraJpeg(src: RgbaImage, W: number, H: number): Promise<Uint8Array<ArrayBuffer>> {
  await ensureEncoder();
  const data = cover(src, W, H);
  return new Uint8Array(await encode({ width: W, height: H, data, colorSpace: 'srgb' } as ImageData, { quality: 90, baseline: true, progressive: false }));
}
