/**
 * Camera-sized JPEGs with a face, made at test time: a fixture face scaled up into a noisy frame
 * (so the file is as large as a phone's), optionally stored turned for an EXIF orientation.
 */
import { applyOrientation } from '../../src/pipeline/decode/orient.ts';
import { createDecoders } from '../../src/wasm/codecs.ts';
import { prng, withExifOrientation } from './images.ts';
import { loadCodecModules, loadEncoders } from './wasm.ts';

export interface LargePhotoOptions {
  width: number;
  height: number;
  /** The face photo (a small fixture JPEG) and how wide it is drawn, centred. */
  face: Uint8Array<ArrayBuffer>;
  faceWidth: number;
  progressive?: boolean;
  /** 6: stored turned 90 degrees counter-clockwise, tagged so that the upright photo shows the face upright. */
  orientation?: 1 | 6;
  /** Peak-to-peak pixel noise: more noise, a larger file (16 by default; ~48 gives a phone's 2 bits per pixel). */
  noise?: number;
}

const made = new Map<string, Promise<Uint8Array<ArrayBuffer>>>();

export function largeFacePhoto(o: LargePhotoOptions): Promise<Uint8Array<ArrayBuffer>> {
  const key = JSON.stringify({ ...o, face: o.face.length });
  let p = made.get(key);
  if (!p) {
    p = make(o);
    made.set(key, p);
  }
  return p;
}

async function make({ width, height, face, faceWidth, progressive = false, orientation = 1, noise = 16 }: LargePhotoOptions): Promise<Uint8Array<ArrayBuffer>> {
  const src = await createDecoders(await loadCodecModules()).jpeg(face);
  const data = new Uint8ClampedArray(width * height * 4);
  const next = prng(width + height);
  const k = src.width / faceWidth;
  const faceHeight = Math.round(src.height / k);
  const x0 = Math.floor((width - faceWidth) / 2), y0 = Math.floor((height - faceHeight) / 2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const n = (next() - 0.5) * noise;
      const inFace = x >= x0 && x < x0 + faceWidth && y >= y0 && y < y0 + faceHeight;
      // Nearest-neighbour from the small face; the decode's own averaging smooths it again.
      const j = inFace ? (Math.min(src.height - 1, Math.floor((y - y0) * k)) * src.width + Math.min(src.width - 1, Math.floor((x - x0) * k))) * 4 : -1;
      for (let c = 0; c < 3; c++) data[i + c] = (j >= 0 ? (src.data[j + c] as number) : 90 + 60 * (x / width) + 20 * c) + n;
      data[i + 3] = 255;
    }
  }
  const stored = orientation === 6 ? applyOrientation({ width, height, data }, 8) : { width, height, data };
  const bytes = await (await loadEncoders()).jpeg({ width: stored.width, height: stored.height, data: new Uint8ClampedArray(stored.data) }, { quality: 85, progressive });
  return orientation === 6 ? withExifOrientation(bytes, 6) : bytes;
}

/** The photo box-blurred with radius `r` (a (2r+1)^2 mean), re-encoded: a face the quality option should call blurry. */
export async function blurredPhoto(photo: Uint8Array<ArrayBuffer>, r: number): Promise<Uint8Array<ArrayBuffer>> {
  const img = await createDecoders(await loadCodecModules()).jpeg(photo);
  const { width: w, height: h } = img;
  const out = new Uint8ClampedArray(img.data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 4; c++) {
        let s = 0, n = 0;
        for (let j = -r; j <= r; j++) for (let i = -r; i <= r; i++, n++) s += img.data[(Math.min(h - 1, Math.max(0, y + j)) * w + Math.min(w - 1, Math.max(0, x + i))) * 4 + c] as number;
        out[(y * w + x) * 4 + c] = s / n;
      }
    }
  }
  return (await loadEncoders()).jpeg({ width: w, height: h, data: out });
}
