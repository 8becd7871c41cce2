/**
 * @module Fuzz seeds: the committed face fixtures, plus the same face re-encoded as PNG and WebP so
 * every decoder is reached, and JPEGs above the reduced-scale threshold (baseline, progressive,
 * with restart intervals) so the reduced-scale decoder is too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultLimits } from '../../src/config.ts';
import { decodeImage } from '../../src/pipeline/decode/index.ts';
import { createDecoders } from '../../src/wasm/codecs.ts';
import { writeBaselineJpeg } from '../../test/helpers/jpeg-writer.ts';
import { largeFacePhoto } from '../../test/helpers/large-photo.ts';
import { loadEncoders } from '../../test/helpers/wasm.ts';
import { nodeCodecModules } from './node-codecs.ts';

const fixtures = new URL('../../test/fixtures/', import.meta.url).pathname;
const read = (p: string): Uint8Array<ArrayBuffer> => new Uint8Array(readFileSync(join(fixtures, p)));

export async function fuzzSeeds(): Promise<{ seeds: Uint8Array<ArrayBuffer>[]; partner: Uint8Array<ArrayBuffer> }> {
  const a1 = read('faces/person-a-1.jpg');
  const img = await decodeImage(a1, createDecoders(await nodeCodecModules()), defaultLimits);
  const rgba = { width: img.width, height: img.height, data: new Uint8ClampedArray(img.data) };
  const enc = await loadEncoders();
  const side = Math.ceil(Math.sqrt(defaultLimits.reducedScaleAbove)) + 64;
  const large = { width: side, height: side, face: a1, faceWidth: Math.round(side / 2) };
  const largeRst = await decodeImage(await largeFacePhoto(large), createDecoders(await nodeCodecModules()), { ...defaultLimits, reducedScaleAbove: Infinity });
  return {
    seeds: [
      a1, read('faces/person-b-1.jpg'), await enc.png(rgba), await enc.webp(rgba), await enc.webp(rgba, { lossless: true }), await enc.jpeg(rgba, { progressive: true }), read('bad/no-face.png'),
      await largeFacePhoto(large), await largeFacePhoto({ ...large, progressive: true }),
      writeBaselineJpeg({ width: largeRst.width, height: largeRst.height, data: new Uint8ClampedArray(largeRst.data) }, { layout: '420', restartInterval: 5, quantizer: 12 }),
    ],
    partner: read('faces/person-a-2.jpg'),
  };
}
