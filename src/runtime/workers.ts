/**
 * @module Cloudflare Workers adapter: wasm arrives as compiled modules through static imports
 * (wrangler's CompiledWasm rule) and models as ArrayBuffers (Data rule), so nothing is
 * compiled or fetched at run time.
 */
import ortWasm from '../../node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm';
import jpegWasm from '../../node_modules/@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm';
// @ts-expect-error jSquash ships a .d.ts for this file without a default export; wrangler's CompiledWasm rule supplies one (a WebAssembly.Module).
import pngWasm from '../../node_modules/@jsquash/png/codec/pkg/squoosh_png_bg.wasm';
import webpWasm from '../../node_modules/@jsquash/webp/codec/dec/webp_dec.wasm';
import detect from '../../models/fr_detect.onnx';
import landmark from '../../models/fr_landmark.onnx';
import feature from '../../models/fr_feature.onnx';
import { createApp } from '../app.ts';
import { workersLimits } from '../config.ts';

const app = createApp(
  {
    ortWasm,
    codecs: { jpeg: jpegWasm, png: pngWasm, webp: webpWasm },
    models: { detect: new Uint8Array(detect), landmark: new Uint8Array(landmark), feature: new Uint8Array(feature) },
  },
  { runtime: 'workerd', limits: workersLimits },
);

export default app;
