/** @module Fuzz seeds: the committed face fixtures, plus the same face re-encoded as PNG and WebP so every decoder is reached. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultLimits } from '../../src/config.ts';
import { decodeImage } from '../../src/pipeline/decode/index.ts';
import { createDecoders } from '../../src/wasm/codecs.ts';
import { loadEncoders } from '../../test/helpers/wasm.ts';
import { nodeCodecModules } from './node-codecs.ts';

const fixtures = new URL('../../test/fixtures/', import.meta.url).pathname;
const read = (p: string): Uint8Array<ArrayBuffer> => new Uint8Array(readFileSync(join(fixtures, p)));

export async function fuzzSeeds(): Promise<{ seeds: Uint8Array<ArrayBuffer>[]; partner: Uint8Array<ArrayBuffer> }> {
  const a1 = read('faces/person-a-1.jpg');
  const img = await decodeImage(a1, createDecoders(await nodeCodecModules()), defaultLimits);
  const rgba = { width: img.width, height: img.height, data: new Uint8ClampedArray(img.data) };
  const enc = await loadEncoders();
  return {
    seeds: [a1, read('faces/person-b-1.jpg'), await enc.png(rgba), await enc.webp(rgba), await enc.webp(rgba, { lossless: true }), await enc.jpeg(rgba, { progressive: true }), read('bad/no-face.png')],
    partner: read('faces/person-a-2.jpg'),
  };
}
