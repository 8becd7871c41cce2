/**
 * @module File-backed assets for Deno and Node: the same files the Workers build imports,
 * read and compiled once. `readFile` is the only runtime-specific piece, passed in; node:module
 * and node:url exist in both runtimes.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { Assets } from './assets.ts';

export type ReadFile = (url: URL) => Promise<Uint8Array<ArrayBuffer>>;

// pinface's own files sit two levels above this module, in the repository and in the package's dist/ alike.
const root = new URL('../../', import.meta.url);
const at = (path: string): URL => new URL(path, root);
// Dependencies' files by package specifier, wherever the installer put the package (hoisted or not).
const dependency = (specifier: string): URL => pathToFileURL(createRequire(import.meta.url).resolve(specifier));

export const assetUrls = {
  ortWasm: dependency('onnxruntime-web/ort-wasm-simd-threaded.wasm'),
  jpeg: dependency('@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm'),
  png: dependency('@jsquash/png/codec/pkg/squoosh_png_bg.wasm'),
  webp: dependency('@jsquash/webp/codec/dec/webp_dec.wasm'),
  kernel: at('wasm/build/kernel.wasm'),
  space: at('models/immune-space.bin'),
  selector: at('models/pin-selector.bin'),
  detect: at('models/fr_detect.onnx'),
  landmark: at('models/fr_landmark.onnx'),
  feature: at('models/fr_feature.onnx'),
  featurePin: at('models/fr_feature_pin.onnx'),
};

export function fileAssets(readFile: ReadFile): () => Promise<Assets> {
  const compile = async (url: URL) => WebAssembly.compile(await readFile(url));
  return async () => ({
    ortWasm: await compile(assetUrls.ortWasm),
    codecs: { jpeg: await compile(assetUrls.jpeg), png: await compile(assetUrls.png), webp: await compile(assetUrls.webp) },
    kernel: await compile(assetUrls.kernel),
    models: {
      detect: await readFile(assetUrls.detect), landmark: await readFile(assetUrls.landmark),
      feature: await readFile(assetUrls.feature), featurePin: await readFile(assetUrls.featurePin),
    },
    space: await readFile(assetUrls.space),
    selector: await readFile(assetUrls.selector),
  });
}
