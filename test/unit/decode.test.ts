import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultLimits, type Limits } from '../../src/config.ts';
import { PinfaceError } from '../../src/errors.ts';
import { decodeImage } from '../../src/pipeline/decode/index.ts';
import { createDecoders, type ImageDecoders } from '../../src/wasm/codecs.ts';
import {
  BLUE, GREEN, RED, WHITE, near, prng, quadrantColours, quadrants, randomBytes, vp8xHeader, withExifOrientation, withoutSegments, type Rgb,
} from '../helpers/images.ts';
import { loadCodecModules, loadEncoders, type Encoders } from '../helpers/wasm.ts';

const fixture = (name: string): Uint8Array<ArrayBuffer> => new Uint8Array(readFileSync(new URL(`../fixtures/bad/${name}`, import.meta.url)));

let decoders: ImageDecoders;
let enc: Encoders;
beforeAll(async () => {
  decoders = createDecoders(await loadCodecModules());
  enc = await loadEncoders();
});

/** The PinfaceError a decode rejects with (fails the test if it resolves or throws anything else). */
async function failure(bytes: Uint8Array<ArrayBuffer>, limits: Limits = defaultLimits): Promise<PinfaceError> {
  const e: unknown = await decodeImage(bytes, decoders, limits).then(() => 'resolved', (err: unknown) => err);
  expect(e).toBeInstanceOf(PinfaceError);
  return e as PinfaceError;
}

const expectQuadrants = (img: Parameters<typeof quadrantColours>[0], expected: Rgb[], tolerance?: number): void => {
  const got = quadrantColours(img);
  expected.forEach((c, i) => expect(near(got[i] as Rgb, c, tolerance), `quadrant ${i}: ${got[i]} vs ${c}`).toBe(true));
};
const UPRIGHT = [RED, GREEN, BLUE, WHITE];

describe('decodeImage: formats', () => {
  const src = quadrants(64, 48);

  it('decodes JPEG', async () => {
    const img = await decodeImage(await enc.jpeg(src), decoders, defaultLimits);
    expect(img).toMatchObject({ format: 'jpeg', width: 64, height: 48, orientation: 1, sourceWidth: 64, sourceHeight: 48 });
    expect(img.data.length).toBe(64 * 48 * 4);
    expectQuadrants(img, UPRIGHT);
  });

  it('decodes PNG exactly', async () => {
    const img = await decodeImage(await enc.png(src), decoders, defaultLimits);
    expect(img).toMatchObject({ format: 'png', width: 64, height: 48, orientation: 1 });
    expect(Array.from(img.data)).toEqual(Array.from(src.data));
  });

  it('decodes lossy (VP8) and lossless (VP8L) WebP', async () => {
    for (const lossless of [false, true]) {
      const bytes = await enc.webp(src, { lossless });
      expect(new TextDecoder().decode(bytes.subarray(12, 16))).toBe(lossless ? 'VP8L' : 'VP8 ');
      const img = await decodeImage(bytes, decoders, defaultLimits);
      expect(img).toMatchObject({ format: 'webp', width: 64, height: 48, orientation: 1 });
      if (lossless) expect(Array.from(img.data)).toEqual(Array.from(src.data));
      else expectQuadrants(img, UPRIGHT);
    }
  });

  it('decodes extended (VP8X) WebP with alpha', async () => {
    const translucent = quadrants(64, 48);
    for (let i = 3; i < translucent.data.length; i += 4) translucent.data[i] = 128;
    const bytes = await enc.webp(translucent);
    expect(new TextDecoder().decode(bytes.subarray(12, 16))).toBe('VP8X');
    expect(await decodeImage(bytes, decoders, defaultLimits)).toMatchObject({ format: 'webp', width: 64, height: 48 });
  });
});

describe('decodeImage: EXIF orientation is applied exactly once', () => {
  const cases: [number, 'II' | 'MM', number, number, Rgb[]][] = [
    [1, 'II', 64, 48, UPRIGHT],
    [3, 'MM', 64, 48, [WHITE, BLUE, GREEN, RED]],
    [6, 'II', 48, 64, [BLUE, RED, WHITE, GREEN]],
    [6, 'MM', 48, 64, [BLUE, RED, WHITE, GREEN]],
    [8, 'MM', 48, 64, [GREEN, WHITE, RED, BLUE]],
  ];
  for (const [o, order, w, h, expected] of cases) {
    it(`orientation ${o} (${order})`, async () => {
      const bytes = withExifOrientation(await enc.jpeg(quadrants(64, 48)), o, order);
      // mozjpeg as we call it returns the pixels as stored: no rotation of its own ...
      const raw = await decoders.jpeg(bytes);
      expect([raw.width, raw.height]).toEqual([64, 48]);
      expectQuadrants(raw, UPRIGHT);
      // ... so the pipeline's rotation is the only one.
      const img = await decodeImage(bytes, decoders, defaultLimits);
      expect(img).toMatchObject({ orientation: o, width: w, height: h, sourceWidth: 64, sourceHeight: 48 });
      expectQuadrants(img, expected);
    });
  }
});

describe('decodeImage: bad input is a coded error, never a crash', () => {
  it('truncated JPEG: corrupt_image, though mozjpeg alone would return a grey-filled image', async () => {
    const jpeg = await enc.jpeg(quadrants(64, 48, 80));
    const cut = jpeg.subarray(0, Math.floor(jpeg.length * 0.6));
    expect((await decoders.jpeg(cut)).width).toBe(64);
    expect((await failure(cut)).code).toBe('corrupt_image');
    expect((await failure(fixture('truncated.jpg'))).code).toBe('corrupt_image');
  });

  it('JPEG the decoder rejects (no quantization tables): corrupt_image with the cause, and the next decode works', async () => {
    const jpeg = await enc.jpeg(quadrants(64, 48));
    const e = await failure(withoutSegments(jpeg, 0xdb));
    expect(e.code).toBe('corrupt_image');
    expect(String((e.cause as Error).message)).toMatch(/jpeg decoder failed/);
    expect((await decodeImage(jpeg, decoders, defaultLimits)).width).toBe(64);
  });

  it('truncated PNG: corrupt_image (header cut, and data cut)', async () => {
    const png = await enc.png(quadrants(64, 48, 80));
    expect((await failure(png.slice(0, 20))).code).toBe('corrupt_image');
    expect((await failure(png.slice(0, Math.floor(png.length * 0.6)))).code).toBe('corrupt_image');
    expect((await decodeImage(png, decoders, defaultLimits)).width).toBe(64);
  });

  it('PNG bomb header (IHDR 100000x100000, nothing else): too_many_pixels before decoding', async () => {
    const e = await failure(fixture('bomb.png'));
    expect(e.code).toBe('too_many_pixels');
    expect(e.extra).toMatchObject({ width: 100_000, height: 100_000, maxPixels: defaultLimits.maxPixels });
  });

  it('JPEG whose SOF claims 20000x20000: too_many_pixels', async () => {
    const e = await failure(fixture('huge-header.jpg'));
    expect(e.code).toBe('too_many_pixels');
    expect(e.extra).toMatchObject({ width: 20_000, height: 20_000 });
  });

  it('WebP VP8X with a huge canvas: too_many_pixels; animated: unsupported_media_type', async () => {
    expect((await failure(vp8xHeader(30_000, 30_000))).extra).toMatchObject({ width: 30_000, height: 30_000 });
    expect((await failure(vp8xHeader(64, 64, 0x02))).code).toBe('unsupported_media_type');
  });

  it('limits: maxSide and maxImageBytes', async () => {
    const png = await enc.png(quadrants(64, 48));
    expect((await failure(png, { ...defaultLimits, maxSide: 50 })).code).toBe('too_many_pixels');
    expect((await failure(png, { ...defaultLimits, maxImageBytes: 10 })).code).toBe('payload_too_large');
  });

  it('names what it found: GIF, text, JSON, base64, garbage; zero bytes is corrupt_image', async () => {
    const named = async (bytes: Uint8Array<ArrayBuffer>): Promise<unknown> => {
      const e = await failure(bytes);
      expect(e.code).toBe('unsupported_media_type');
      return e.extra.detected;
    };
    expect(await named(fixture('tiny.gif'))).toBe('gif');
    expect((await failure(fixture('tiny.gif'))).message).toBe('[pinface] [decode] Unsupported image format "gif". Should be one of: jpeg, png, webp.');
    expect(await named(fixture('text.txt'))).toBe('text');
    expect(await named(new TextEncoder().encode('{"source": "x"}'))).toBe('json');
    expect(await named(new TextEncoder().encode(Buffer.from(await enc.png(quadrants(8, 8))).toString('base64')))).toBe('base64');
    expect(await named(randomBytes(1000, 7))).toBe('unknown');
    expect((await failure(fixture('zero.bin'))).code).toBe('corrupt_image');
  });

  it('garbage behind each magic number is a 4xx PinfaceError', async () => {
    const magics = [[0xff, 0xd8, 0xff], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], [...new TextEncoder().encode('RIFF\x10\0\0\0WEBPVP8 ')]];
    for (let seed = 0; seed < 150; seed++) {
      for (const magic of magics) {
        const bytes = randomBytes(200 + seed, seed);
        bytes.set(magic);
        expect((await failure(bytes)).status).toBeLessThan(500);
      }
    }
  });

  it('valid files with corrupted bytes: decoded or a 4xx PinfaceError, and decoding still works after', async () => {
    const src = quadrants(64, 48, 60);
    const files = [await enc.jpeg(src), await enc.jpeg(src, { progressive: true }), await enc.png(src), await enc.webp(src), await enc.webp(src, { lossless: true })];
    for (const [n, file] of files.entries()) {
      const next = prng(n + 1);
      for (let round = 0; round < 40; round++) {
        const bytes = file.slice();
        for (let k = 0; k < 1 + round % 8; k++) bytes[Math.floor(next() * bytes.length)] = Math.floor(next() * 256);
        const e: unknown = await decodeImage(bytes, decoders, defaultLimits).then(() => undefined, (err: unknown) => err);
        if (e !== undefined) expect((e as PinfaceError).status, String(e)).toBeLessThan(500);
      }
      expect((await decodeImage(file, decoders, defaultLimits)).width).toBe(64);
    }
  });

  it('decoded size that disagrees with the header: corrupt_image', async () => {
    const png = await enc.png(quadrants(64, 48));
    const lying = { ...decoders, png: async () => ({ width: 1, height: 1, data: new Uint8ClampedArray(4) }) };
    const e: unknown = await decodeImage(png, lying, defaultLimits).catch((err: unknown) => err);
    expect(e).toMatchObject({ code: 'corrupt_image' });
  });
});
