/**
 * @module File-backed assets for Deno and Node: the same files the Workers build imports,
 * read and compiled once. `readFile` is the only runtime-specific piece, passed in.
 */
import type { Assets } from './assets.ts';

export type ReadFile = (url: URL) => Promise<Uint8Array<ArrayBuffer>>;

const root = new URL('../../', import.meta.url);
const at = (path: string): URL => new URL(path, root);

export const assetUrls = {
  ortWasm: at('node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm'),
  jpeg: at('node_modules/@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm'),
  png: at('node_modules/@jsquash/png/codec/pkg/squoosh_png_bg.wasm'),
  webp: at('node_modules/@jsquash/webp/codec/dec/webp_dec.wasm'),
  kernel: at('wasm/build/kernel.wasm'),
  space: at('models/immune-space.bin'),
  selector: at('models/pin-selector.bin'),
  detect: at('models/fr_detect.onnx'),
  landmark: at('models/fr_landmark.onnx'),
  feature: at('models/fr_feature.onnx'),
};

export function fileAssets(readFile: ReadFile): () => Promise<Assets> {
  const compile = async (url: URL) => WebAssembly.compile(await readFile(url));
  return async () => ({
    ortWasm: await compile(assetUrls.ortWasm),
    codecs: { jpeg: await compile(assetUrls.jpeg), png: await compile(assetUrls.png), webp: await compile(assetUrls.webp) },
    kernel: await compile(assetUrls.kernel),
    models: { detect: await readFile(assetUrls.detect), landmark: await readFile(assetUrls.landmark), feature: await readFile(assetUrls.feature) },
    space: await readFile(assetUrls.space),
    selector: await readFile(assetUrls.selector),
  });
}
