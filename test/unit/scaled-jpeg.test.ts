/**
 * The reduced-scale JPEG decoder against mozjpeg: a full decode followed by box downsampling is
 * the reference. Tolerance, measured on the fixture photos: mean absolute difference <= 1.0 level
 * and 99th percentile <= 8 levels per channel (chroma upsampling and the frequencies a scale drops
 * differ; exact agreement is not expected).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultLimits } from '../../src/config.ts';
import { PinfaceError } from '../../src/errors.ts';
import { decodeImage } from '../../src/pipeline/decode/index.ts';
import { decodeScaledJpeg, JpegDataError, type JpegScale, scaledJpegSupport } from '../../src/pipeline/decode/scaled-jpeg/index.ts';
import type { RgbaImage } from '../../src/pipeline/image.ts';
import { createDecoders, type ImageDecoders } from '../../src/wasm/codecs.ts';
import { prng, withExifOrientation } from '../helpers/images.ts';
import { BitReader } from '../../src/pipeline/decode/scaled-jpeg/huffman.ts';
import { writeBaselineJpeg } from '../helpers/jpeg-writer.ts';
import { type Encoders, loadCodecModules, loadEncoders, type Rgba } from '../helpers/wasm.ts';

const photo = (name: string): Uint8Array<ArrayBuffer> => new Uint8Array(readFileSync(new URL(`../fixtures/faces/${name}`, import.meta.url)));
const PHOTOS = ['person-a-1.jpg', 'person-a-2.jpg', 'person-b-1.jpg', 'two-faces.jpg'];

let decoders: ImageDecoders;
let enc: Encoders;
beforeAll(async () => {
  decoders = createDecoders(await loadCodecModules());
  enc = await loadEncoders();
});

/** Box mean of scale x scale pixels (the edge blocks average what they cover). */
function boxDownsample(img: RgbaImage, s: number): Float64Array {
  const W = Math.ceil(img.width / s), H = Math.ceil(img.height / s);
  const out = new Float64Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      for (let c = 0; c < 3; c++) {
        let t = 0, n = 0;
        for (let j = y * s; j < Math.min(img.height, y * s + s); j++) for (let i = x * s; i < Math.min(img.width, x * s + s); i++, n++) t += img.data[(j * img.width + i) * 4 + c] as number;
        out[(y * W + x) * 3 + c] = t / n;
      }
    }
  }
  return out;
}

async function agreement(bytes: Uint8Array<ArrayBuffer>, scale: JpegScale): Promise<{ mean: number; p99: number }> {
  const full = await decoders.jpeg(bytes);
  const ref = boxDownsample(full, scale);
  const got = decodeScaledJpeg(bytes, { scale });
  expect([got.width, got.height]).toEqual([Math.ceil(full.width / scale), Math.ceil(full.height / scale)]);
  const diffs = Float64Array.from(ref, (v, i) => Math.abs((got.data[Math.floor(i / 3) * 4 + (i % 3)] as number) - v)).sort();
  return { mean: diffs.reduce((a, b) => a + b, 0) / diffs.length, p99: diffs[Math.floor(diffs.length * 0.99)] as number };
}

const crop = (img: RgbaImage, w: number, h: number): Rgba => {
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) data.set(img.data.subarray((y * img.width) * 4, (y * img.width + w) * 4), y * w * 4);
  return { width: w, height: h, data };
};

describe('scaled JPEG decode agrees with a full decode and box downsampling', () => {
  it('on the fixture photos as sent and re-encoded progressive, at 1/2, 1/4 and 1/8', async () => {
    for (const name of PHOTOS) {
      const sent = photo(name);
      const img = await decoders.jpeg(sent);
      const progressive = await enc.jpeg({ width: img.width, height: img.height, data: new Uint8ClampedArray(img.data) }, { quality: 85, progressive: true });
      for (const [kind, bytes] of [['sent', sent], ['progressive', progressive]] as const) {
        for (const scale of [2, 4, 8] as const) {
          const { mean, p99 } = await agreement(bytes, scale);
          expect(mean, `${name} ${kind} 1/${scale}`).toBeLessThanOrEqual(1);
          expect(p99, `${name} ${kind} 1/${scale}`).toBeLessThanOrEqual(8);
        }
      }
    }
  });

  it('with restart intervals, 4:2:0, 4:4:4 and grayscale, odd sizes, at every scale', async () => {
    const img = await decoders.jpeg(photo('person-a-1.jpg'));
    const odd = crop(img, img.width - 3, img.height - 5);
    for (const layout of ['420', '444', 'gray'] as const) {
      for (const restartInterval of [0, 7]) {
        const bytes = writeBaselineJpeg(odd, { layout, restartInterval });
        for (const scale of [1, 2, 4, 8] as const) {
          const { mean, p99 } = await agreement(bytes, scale);
          expect(mean, `${layout} rst ${restartInterval} 1/${scale}`).toBeLessThanOrEqual(1);
          expect(p99, `${layout} rst ${restartInterval} 1/${scale}`).toBeLessThanOrEqual(8);
        }
      }
    }
  });

  it('decodes a region as the same pixels as that window of the whole image', async () => {
    const bytes = photo('two-faces.jpg');
    for (const scale of [1, 2, 4] as const) {
      const whole = decodeScaledJpeg(bytes, { scale });
      const part = decodeScaledJpeg(bytes, { scale, region: { x: 37, y: 21, width: 101, height: 77 } });
      expect([part.left, part.top]).toEqual([Math.floor(37 / scale), Math.floor(21 / scale)]);
      expect(part.width).toBe(Math.ceil(138 / scale) - part.left);
      for (let y = 0; y < part.height; y++) {
        const row = part.data.subarray(y * part.width * 4, (y + 1) * part.width * 4);
        const at = ((part.top + y) * whole.width + part.left) * 4;
        expect(Array.from(row), `1/${scale} row ${y}`).toEqual(Array.from(whole.data.subarray(at, at + part.width * 4)));
      }
    }
  });
});

it('decodes a region from a whole decode\'s row starts to the same pixels, baseline and progressive', async () => {
  const img = await decoders.jpeg(photo('two-faces.jpg'));
  const odd = crop(img, img.width - 3, img.height - 5);
  const files = [
    await enc.jpeg({ width: img.width, height: img.height, data: new Uint8ClampedArray(img.data) }, { quality: 85, progressive: false }),
    writeBaselineJpeg(odd, { layout: '420', restartInterval: 3 }),
    writeBaselineJpeg(odd, { layout: 'gray', restartInterval: 0 }),
    await enc.jpeg({ width: img.width, height: img.height, data: new Uint8ClampedArray(img.data) }, { quality: 85, progressive: true }),
    photo('person-a-1.jpg'),
  ];
  for (const [i, bytes] of files.entries()) {
    const whole = decodeScaledJpeg(bytes, { scale: 8 });
    expect(whole.resume?.scans[0]?.length, `file ${i}`).toBeGreaterThan(1);
    for (const region of [{ x: 37, y: 21, width: 101, height: 77 }, { x: 0, y: 90, width: 40, height: 60 }]) {
      const plain = decodeScaledJpeg(bytes, { scale: 2, region });
      const resumed = decodeScaledJpeg(bytes, { scale: 2, region, resume: whole.resume as NonNullable<typeof whole.resume> });
      expect([resumed.left, resumed.top, resumed.width, resumed.height]).toEqual([plain.left, plain.top, plain.width, plain.height]);
      expect(Buffer.from(resumed.data).equals(Buffer.from(plain.data)), `file ${i} region ${JSON.stringify(region)}`).toBe(true);
    }
  }

});

describe('scaled JPEG decode refuses what it cannot read', () => {
  it('reports frame types it does not handle as unsupported, without throwing', async () => {
    const bytes = photo('person-a-1.jpg').slice();
    expect(scaledJpegSupport(bytes)).toMatchObject({ width: 160, height: 160 });
    // Rewrite SOF0/SOF2 as SOF9/SOF10 (arithmetic coding).
    for (let i = 2; i + 1 < bytes.length; i++) if (bytes[i] === 0xff && (bytes[i + 1] === 0xc0 || bytes[i + 1] === 0xc2)) { bytes[i + 1] = (bytes[i + 1] as number) + 9; break; }
    expect(scaledJpegSupport(bytes)).toBeNull();
    expect(() => decodeScaledJpeg(bytes, { scale: 2 })).toThrow(JpegDataError);
  });

  it('stops a scan whose data ended long before it, instead of decoding zeros at full cost', () => {
    const r = new BitReader(Uint8Array.from([0xab, 0xcd, 0xff, 0xd9]), 0);
    expect(r.bits(16)).toBe(0xabcd);
    expect(r.exhausted).toBe(false); // reading ahead past the end is normal
    for (let i = 0; i < 8; i++) expect(r.bits(8)).toBe(0);
    expect(r.exhausted).toBe(true);
    // A baseline photo cut a third into its scan, with an end marker: decodes, the rest left grey.
    const whole = writeBaselineJpeg({ width: 64, height: 64, data: new Uint8ClampedArray(64 * 64 * 4).fill(30) }, { layout: 'gray' });
    const sos = whole.findIndex((b, j) => b === 0xff && whole[j + 1] === 0xda);
    const cut = Uint8Array.from([...whole.subarray(0, sos + 10 + Math.floor((whole.length - sos) / 3)), 0xff, 0xd9]);
    const img = decodeScaledJpeg(cut, { scale: 8 });
    expect(img.data[0]).toBeLessThan(60);
    expect(img.data[(img.width * img.height - 1) * 4]).toBe(128);
  });

  it('throws JpegDataError, never anything else, on damaged entropy data (500 mutations)', () => {
    const base = photo('person-a-1.jpg');
    const next = prng(7);
    let decoded = 0;
    for (let i = 0; i < 500; i++) {
      const bytes = base.slice();
      const sos = bytes.findIndex((b, j) => b === 0xff && bytes[j + 1] === 0xda);
      for (let k = 0; k < 1 + (i % 8); k++) bytes[sos + 14 + Math.floor(next() * (bytes.length - sos - 16))] = Math.floor(next() * 256);
      try {
        decodeScaledJpeg(bytes, { scale: ([1, 2, 4, 8] as const)[i % 4] as JpegScale });
        decoded++;
      } catch (e) {
        expect(e).toBeInstanceOf(JpegDataError);
      }
    }
    expect(decoded).toBeGreaterThan(0); // most damage only changes pixels, as in libjpeg
  });
});

describe('decodeImage picks the reduced scale for large JPEGs', () => {
  const small = { ...defaultLimits, reducedScaleAbove: 10_000 };

  it('decodes above reducedScaleAbove at reduced scale, EXIF applied, and refines a region', async () => {
    const img = await decodeImage(withExifOrientation(photo('person-a-1.jpg'), 6), decoders, small);
    expect(img.scale).toBe(2);
    expect([img.width, img.height]).toEqual([Math.ceil(img.sourceHeight / 2), Math.ceil(img.sourceWidth / 2)]);
    const view = img.detail?.({ x: 20, y: 30, width: 40, height: 40 }, 40);
    expect(view?.zoom).toBe(2);
    // The finer view's pixels average back to the coarse image's pixels where they overlap.
    const v = view as NonNullable<typeof view>;
    let diff = 0, n = 0;
    for (let y = 35; y < 60; y++) {
      for (let x = 25; x < 50; x++) {
        const vx = (x - v.originX) * 2, vy = (y - v.originY) * 2;
        let mean = 0;
        for (let j = 0; j < 2; j++) for (let i = 0; i < 2; i++) mean += v.image.data[((vy + j) * v.image.width + vx + i) * 4] as number;
        diff += Math.abs(mean / 4 - (img.data[(y * img.width + x) * 4] as number));
        n++;
      }
    }
    expect(diff / n).toBeLessThan(2);
  });

  it('refuses a JPEG over maxJpegPixels with too_many_pixels', async () => {
    const e = await decodeImage(photo('person-a-1.jpg'), decoders, { ...small, maxJpegPixels: 20_000 }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(PinfaceError);
    expect((e as PinfaceError).code).toBe('too_many_pixels');
  });

  it('answers corrupt_image for a large JPEG whose data cannot be read', async () => {
    const bytes = photo('person-a-1.jpg').slice();
    const sos = bytes.findIndex((b, j) => b === 0xff && bytes[j + 1] === 0xda);
    bytes.fill(0xff, sos + 20, sos + 60); // runs of fill bytes, then a marker where data should be
    bytes[sos + 60] = 0xc4;
    const e = await decodeImage(bytes, decoders, small).catch((err: unknown) => err);
    expect((e as PinfaceError).code).toBe('corrupt_image');
  });
});
