/**
 * @module Codec boundary: JPEG, PNG and WebP decoders from jSquash, instantiated from compiled
 * modules the caller injects (workerd forbids compiling wasm from bytes).
 */
import mozjpegFactory from '@jsquash/jpeg/codec/dec/mozjpeg_dec.js';
import webpFactory from '@jsquash/webp/codec/dec/webp_dec.js';
import { PinfaceError } from '../errors.ts';
import type { RgbaImage } from '../pipeline/image.ts';
import { pngBindings } from './png-bindgen.ts';

export interface CodecModules {
  jpeg: WebAssembly.Module;
  png: WebAssembly.Module;
  webp: WebAssembly.Module;
}

export type ImageFormat = keyof CodecModules;
/** Decodes one image to RGBA as stored (no EXIF orientation); throws on anything it cannot read. */
export type ImageDecode = (bytes: Uint8Array<ArrayBuffer>) => Promise<RgbaImage>;
export type ImageDecoders = Readonly<Record<ImageFormat, ImageDecode>>;

/** One live codec instance: its decode and the current size of its linear memory. */
export interface CodecInstance {
  decode(bytes: Uint8Array): RgbaImage;
  heapBytes(): number;
}

/**
 * Largest heap an instance may keep between decodes. Linear memory grows to hold a decoded image
 * and never shrinks (a 12-megapixel progressive JPEG takes mozjpeg's heap to ~96 MiB, baseline
 * ~50 MiB), so an instance that grew past this is dropped after its decode. A fresh instance
 * costs ~1.5 ms to create (Node 20), but its first decode runs about 2x slower while the new
 * pages are touched (640x480 JPEG 7 -> 17 ms, 2000x1500 71 -> 136 ms), so images that fit keep
 * a warm instance. 16 MiB (+128 KiB) is the Emscripten codecs' initial heap: a warm instance
 * holds no more than a fresh one would, and baseline JPEGs up to ~3 megapixels fit in it.
 */
export const WARM_HEAP_BYTES = 16 * 1024 * 1024 + 128 * 1024;

/** The Emscripten codecs construct results with `new ImageData(...)`, which Workers, Deno and Node lack. */
function ensureImageData(): void {
  const g = globalThis as { ImageData?: unknown };
  g.ImageData ??= class ImageData {
    constructor(readonly data: Uint8ClampedArray, readonly width: number, readonly height: number) {}
  };
}

interface EmscriptenCodec { decode(data: Uint8Array, ...rest: boolean[]): RgbaImage | null; HEAPU8: Uint8Array }
type EmscriptenFactory = (opts: Record<string, unknown>) => Promise<EmscriptenCodec>;

/** jSquash's own decode() memoizes one instance per JS module; the factory gives us fresh ones. */
const emscripten = (name: string, factory: EmscriptenFactory, module: WebAssembly.Module, ...args: boolean[]) =>
  async (): Promise<CodecInstance> => {
    let stderr = '';
    const codec = await factory({
      noInitialRun: true,
      // The module is injected: never let the glue resolve a .wasm URL against import.meta.url.
      locateFile: (path: string) => path,
      // Decoder diagnostics go into the error's cause, not to the console once per bad upload.
      print: () => {},
      printErr: (line: string) => { stderr = line; },
      instantiateWasm(imports: WebAssembly.Imports, done: (i: WebAssembly.Instance) => void) {
        const instance = new WebAssembly.Instance(module, imports);
        done(instance);
        return instance.exports;
      },
    });
    return {
      decode(bytes) {
        stderr = '';
        let out: RgbaImage | null;
        try {
          out = codec.decode(bytes, ...args);
        } catch (e) {
          // libjpeg's error_exit calls exit(), which surfaces as a non-Error ExitStatus object.
          throw new Error(`${name} decoder failed${stderr ? `: ${stderr}` : ''}`, { cause: e });
        }
        if (!out) throw new Error(`${name} decoder returned no image${stderr ? `: ${stderr}` : ''}`);
        return out;
      },
      heapBytes: () => codec.HEAPU8.length,
    };
  };

interface Slot { ready: Promise<CodecInstance>; dead: boolean; instance?: CodecInstance }

/** The warm instance of every decoder in this isolate, so /v1/info can report their heaps. */
const warmSlots = new Set<Slot>();

/** Linear memory held by the warm decoder instances (the isolate's second-largest wasm memory). */
export const decoderHeapBytes = (): number => [...warmSlots].reduce((n, s) => n + (s.instance?.heapBytes() ?? 0), 0);

/**
 * Decodes on a warm instance, replaced after any throw (a trap or abort leaves the C heap and
 * stack in an unknown state) and after any decode that grew its heap past WARM_HEAP_BYTES.
 */
export function warmDecoder(instantiate: () => Promise<CodecInstance>, warmHeapBytes = WARM_HEAP_BYTES): ImageDecode {
  let slot: Slot | undefined;
  const acquire = (): Slot => {
    if (slot === undefined || slot.dead) {
      if (slot) warmSlots.delete(slot);
      const s: Slot = { ready: instantiate(), dead: false };
      s.ready.then((c) => { s.instance = c; }, () => { s.dead = true; }); // a failed start is retried, not cached
      warmSlots.add(s);
      slot = s;
    }
    return slot;
  };
  // A codec that cannot start is our fault, not the image's: answer 500, not corrupt_image.
  const ready = (s: Slot): Promise<CodecInstance> => s.ready.catch((cause: unknown) => {
    throw new PinfaceError('internal', '[pinface] [codecs] An image decoder could not be instantiated. Check that the injected modules are the @jsquash codec .wasm files.', { cause });
  });
  return async (bytes) => {
    let s = acquire();
    let codec = await ready(s);
    // Another request may have retired this instance while we waited for it.
    while (s.dead) {
      s = acquire();
      codec = await ready(s);
    }
    try {
      const image = codec.decode(bytes);
      if (codec.heapBytes() > warmHeapBytes) s.dead = true;
      return image;
    } catch (e) {
      s.dead = true;
      throw e;
    }
  };
}

/** A fresh-instance factory per format (exported for tests that watch heap sizes). */
export function codecInstances(modules: CodecModules): Record<ImageFormat, () => Promise<CodecInstance>> {
  ensureImageData();
  const png = pngBindings(modules.png);
  if (typeof png === 'string') {
    throw new PinfaceError('internal', `[pinface] [codecs] The png codec module imports "${png}", which pinface's bindings do not provide. Use the @jsquash/png version pinned in package.json.`);
  }
  return {
    // Orientation is applied once, by pipeline/decode, so mozjpeg's own rotation stays off.
    jpeg: emscripten('jpeg', mozjpegFactory as unknown as EmscriptenFactory, modules.jpeg, false),
    webp: emscripten('webp', webpFactory as unknown as EmscriptenFactory, modules.webp),
    png: async () => png(),
  };
}

/**
 * The three decoders over injected compiled modules. Cheap: instances are created on first use.
 * @example const decoders = createDecoders({ jpeg: jpegWasm, png: pngWasm, webp: webpWasm });
 */
export function createDecoders(modules: CodecModules, warmHeapBytes = WARM_HEAP_BYTES): ImageDecoders {
  const make = codecInstances(modules);
  return {
    jpeg: warmDecoder(make.jpeg, warmHeapBytes),
    png: warmDecoder(make.png, warmHeapBytes),
    webp: warmDecoder(make.webp, warmHeapBytes),
  };
}
