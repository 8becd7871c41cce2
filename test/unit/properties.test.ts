/**
 * Properties (fast-check) of the stages that see attacker-controlled input: decoders, the
 * aligner and the request schemas. Each either answers or throws a PinfaceError with a 4xx;
 * nothing else escapes.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultLimits } from '../../src/config.ts';
import { PinfaceError } from '../../src/errors.ts';
import { ARCFACE_TEMPLATE, alignmentMap, similarity } from '../../src/pipeline/align.ts';
import { decodeImage } from '../../src/pipeline/decode/index.ts';
import { sampleToChw, type Affine } from '../../src/pipeline/image.ts';
import type { Point } from '../../src/pipeline/landmarks.ts';
import { base64ToBytes } from '../../src/routes/read-images.ts';
import { parseOrThrow } from '../../src/routes/parse.ts';
import { ImageOptionsSchema, VerifyJsonSchema } from '../../src/routes/schemas.ts';
import { createDecoders, type ImageDecoders } from '../../src/wasm/codecs.ts';
import { mutate } from '../../scripts/lib/mutate.ts';
import { fuzzSeeds } from '../../scripts/lib/fuzz-seeds.ts';

/** Runs f; anything thrown must be a 4xx PinfaceError. */
const answersOr4xx = async (f: () => unknown): Promise<'ok' | string> => {
  try {
    await f();
    return 'ok';
  } catch (e) {
    if (!(e instanceof PinfaceError)) throw new Error(`escaped: ${String(e)}`);
    expect(e.status).toBeGreaterThanOrEqual(400);
    expect(e.status).toBeLessThan(500);
    return e.code;
  }
};

let decoders: ImageDecoders;
let seeds: Uint8Array<ArrayBuffer>[];
beforeAll(async () => {
  decoders = createDecoders(await (await import('../../scripts/lib/node-codecs.ts')).nodeCodecModules());
  seeds = (await fuzzSeeds()).seeds;
});

describe('decoders', () => {
  it('any bytes: a consistent image or a 4xx problem', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (bytes) => {
      const out = await answersOr4xx(async () => {
        const img = await decodeImage(new Uint8Array(bytes), decoders, defaultLimits);
        expect(img.data.length).toBe(img.width * img.height * 4);
      });
      expect(out).not.toBe('ok'); // 2 KiB of noise is never a valid image with these magic bytes
    }), { numRuns: 300, seed: 1 });
  });

  it('mutated real JPEG/PNG/WebP files: a consistent image within the limits, or a 4xx problem', async () => {
    const outcomes = new Set<string>();
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (seed) => {
      let s = seed;
      const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
      const { bytes } = mutate(seeds, rnd);
      outcomes.add(await answersOr4xx(async () => {
        const img = await decodeImage(bytes, decoders, defaultLimits);
        expect(img.data.length).toBe(img.width * img.height * 4);
        expect(img.width * img.height).toBeLessThanOrEqual(defaultLimits.maxPixels);
      }));
    }), { numRuns: 250, seed: 2 });
    expect(outcomes).toContain('ok');
    expect(outcomes).toContain('corrupt_image');
  });
});

describe('aligner', () => {
  const point = fc.tuple(fc.double({ min: -1e4, max: 1e4, noNaN: false }), fc.double({ min: -1e4, max: 1e4, noNaN: false }));
  it('any five landmarks (NaN, coincident, collinear): a finite map or a 4xx no_face, never a crash', async () => {
    await fc.assert(fc.asyncProperty(fc.array(point, { minLength: 5, maxLength: 5 }), async (five) => {
      const out = await answersOr4xx(() => {
        const map = alignmentMap(five as Point[]);
        expect(map.every(Number.isFinite)).toBe(true);
      });
      expect(['ok', 'no_face']).toContain(out);
    }), { numRuns: 500, seed: 3 });
  });
  it('recovers any similarity transform of the template exactly', () => {
    fc.assert(fc.property(fc.double({ min: 0.05, max: 20, noNaN: true }), fc.double({ min: -Math.PI, max: Math.PI, noNaN: true }), fc.double({ min: -5000, max: 5000, noNaN: true }), fc.double({ min: -5000, max: 5000, noNaN: true }), (s, th, tx, ty) => {
      const [a, b] = [s * Math.cos(th), s * Math.sin(th)];
      const moved = ARCFACE_TEMPLATE.map(([x, y]) => [a * x - b * y + tx, b * x + a * y + ty] as Point);
      const m = similarity(ARCFACE_TEMPLATE, moved);
      [a, -b, tx, b, a, ty].forEach((v, i) => expect(m[i]).toBeCloseTo(v, 6));
    }), { numRuns: 300, seed: 4 });
  });
  it('samples through any finite map into finite, bounded values', () => {
    const img = { width: 17, height: 9, data: new Uint8ClampedArray(17 * 9 * 4).map((_, i) => (i * 37) % 256) };
    fc.assert(fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 6, maxLength: 6 }), (m) => {
      const out = sampleToChw(img, m as unknown as Affine, 16, 16, 'gray', { mean: 127.5, scale: 127.5 });
      for (const v of out) expect(v >= -1.0001 && v <= 1.0001).toBe(true);
    }), { numRuns: 300, seed: 5 });
  });
});

describe('request schemas', () => {
  it('any JSON as image options: parsed, or a 400 invalid_parameters naming a field', async () => {
    await fc.assert(fc.asyncProperty(fc.dictionary(fc.constantFrom('faces', 'defense', 'seed', 'deterministic', 'extra', ''), fc.jsonValue()), async (raw) => {
      const out = await answersOr4xx(() => parseOrThrow(ImageOptionsSchema, raw));
      expect(['ok', 'invalid_parameters']).toContain(out);
    }), { numRuns: 500, seed: 6 });
  });
  it('any JSON value as a verify body: parsed, or a 400', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(fc.jsonValue(), fc.record({ source: fc.string(), target: fc.jsonValue() })), async (body) => {
      expect(['ok', 'invalid_parameters']).toContain(await answersOr4xx(() => parseOrThrow(VerifyJsonSchema, body)));
    }), { numRuns: 500, seed: 7 });
  });
  it('any string as base64: the bytes Node decodes from it, or a 400', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(fc.string(), fc.base64String(), fc.base64String().map((b) => `data:image/jpeg;base64,${b}`)), async (text) => {
      const out = await answersOr4xx(() => {
        const bytes = base64ToBytes(text, 'image');
        const body = text.startsWith('data:') ? text.slice(text.indexOf(',') + 1) : text;
        expect([...bytes]).toEqual([...Buffer.from(body, 'base64')]);
      });
      expect(['ok', 'invalid_parameters']).toContain(out);
    }), { numRuns: 500, seed: 8 });
  });
});
