/**
 * @module Codec boundary: JPEG, PNG and WebP decoders from jSquash, instantiated from compiled
 * modules the caller injects (workerd forbids compiling wasm from bytes).
 */
import mozjpegFactory from '@jsquash/jpeg/codec/dec/mozjpeg_dec.js';
import webpFactory from '@jsquash/webp/codec/dec/webp_dec.js';
import { decode as pngDecode, initSync as pngInit } from '@jsquash/png/codec/pkg/squoosh_png.js';
import type { RgbaImage } from '../pipeline/image.ts';

export interface CodecModules {
  jpeg: WebAssembly.Module;
  png: WebAssembly.Module;
  webp: WebAssembly.Module;
}

export type ImageFormat = 'jpeg' | 'png' | 'webp';
export type ImageDecoders = Record<ImageFormat, (bytes: Uint8Array<ArrayBuffer>) => Promise<RgbaImage>>;

/**
 * The codecs construct results with `new ImageData(...)`, which Workers, Deno and Node lack.
 * jSquash patches the global itself at import in some runtimes; this makes it deterministic
 * in all of them, with the same minimal shape, and only where it is missing.
 */
function ensureImageData(): void {
  const g = globalThis as { ImageData?: unknown };
  g.ImageData ??= class ImageData {
    constructor(readonly data: Uint8ClampedArray, readonly width: number, readonly height: number) {}
  };
}

interface EmscriptenDecoder { decode(data: BufferSource, ...rest: boolean[]): RgbaImage | null }
type Factory = (opts: Record<string, unknown>) => Promise<EmscriptenDecoder>;

/**
 * An Emscripten heap grows to hold the decoded image and never shrinks: one 12-megapixel photo
 * would pin ~100 MB of a 128 MB isolate for good. So each decode gets a fresh instance from the
 * compiled module (about a millisecond, see test/unit/codecs.test.ts), and the heap goes with it;
 * a trap inside the decoder likewise leaves nothing broken behind.
 */
const emscripten = (factory: Factory, module: WebAssembly.Module, ...args: boolean[]) => async (bytes: Uint8Array<ArrayBuffer>): Promise<RgbaImage> => {
  const instance = await factory({
    noInitialRun: true,
    instantiateWasm(imports: WebAssembly.Imports, done: (i: WebAssembly.Instance) => void) {
      const i = new WebAssembly.Instance(module, imports);
      done(i);
      return i.exports;
    },
  });
  const out = instance.decode(bytes, ...args);
  if (!out) throw new Error('decoder returned nothing');
  return out;
};

export function createDecoders(modules: CodecModules): ImageDecoders {
  ensureImageData();
  // wasm-bindgen keeps one instance per module scope; the Rust png decoder frees what it allocates.
  pngInit(modules.png);
  return {
    jpeg: emscripten(mozjpegFactory as unknown as Factory, modules.jpeg, false), // orientation is applied by pipeline/decode
    webp: emscripten(webpFactory as unknown as Factory, modules.webp),
    png: async (bytes) => pngDecode(bytes) as RgbaImage,
  };
}
