/**
 * Node-side wasm for tests: the decoder modules compiled from the same files the Workers build
 * imports (jSquash test/node/utils.ts style), and jSquash encoders to make synthetic fixtures.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import encodeJpeg, { init as initJpegEncode } from '@jsquash/jpeg/encode';
import encodePng, { init as initPngEncode } from '@jsquash/png/encode';
import encodeWebp, { init as initWebpEncode } from '@jsquash/webp/encode';
import { nodeCodecModules } from '../../scripts/lib/node-codecs.ts';
import type { CodecModules } from '../../src/wasm/codecs.ts';

const require = createRequire(import.meta.url);
const compile = async (specifier: string): Promise<WebAssembly.Module> => WebAssembly.compile(await readFile(require.resolve(specifier)));

export const loadCodecModules = (): Promise<CodecModules> => nodeCodecModules();

export interface Rgba { width: number; height: number; data: Uint8ClampedArray }

export interface Encoders {
  jpeg(img: Rgba, options?: { quality?: number; progressive?: boolean }): Promise<Uint8Array<ArrayBuffer>>;
  png(img: Rgba): Promise<Uint8Array<ArrayBuffer>>;
  webp(img: Rgba, options?: { lossless?: boolean; quality?: number }): Promise<Uint8Array<ArrayBuffer>>;
}

// jSquash's encoders are singletons per module scope: initialise them once per test process.
let encoders: Promise<Encoders> | undefined;

/** jSquash encoders initialised from compiled modules (Node's fetch cannot read file: URLs). */
export function loadEncoders(): Promise<Encoders> {
  encoders ??= (async () => {
    await initJpegEncode(await compile('@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm'));
    await initPngEncode(await compile('@jsquash/png/codec/pkg/squoosh_png_bg.wasm'));
    // jSquash picks the SIMD encoder build whenever the runtime has wasm SIMD, which Node 20 has.
    await initWebpEncode(await compile('@jsquash/webp/codec/enc/webp_enc_simd.wasm'));
    const asImageData = (img: Rgba): ImageData => ({ ...img, colorSpace: 'srgb' }) as ImageData;
    return {
      jpeg: async (img, { quality = 90, progressive = false } = {}) => new Uint8Array(await encodeJpeg(asImageData(img), { quality, progressive })),
      png: async (img) => new Uint8Array(await encodePng(asImageData(img))),
      webp: async (img, { lossless = false, quality = 90 } = {}) =>
        new Uint8Array(await encodeWebp(asImageData(img), { lossless: lossless ? 1 : 0, quality, exact: 1 })),
    };
  })();
  return encoders;
}
