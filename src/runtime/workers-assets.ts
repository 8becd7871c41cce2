/**
 * @module Workers assets: every wasm module and model the worker imports statically (wrangler's
 * CompiledWasm rule gives compiled modules, the Data rule ArrayBuffers; dependencies' files by
 * package specifier, so hoisting cannot break them, pinface's own two levels up), except the immune
 * space and the learned selector, which the entry (workers.ts) imports, so a build can pair
 * these with another space.
 */
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm';
import jpegWasm from '@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm';
// @ts-expect-error jSquash ships a .d.ts for this file without a default export; wrangler's CompiledWasm rule supplies one (a WebAssembly.Module).
import pngWasm from '@jsquash/png/codec/pkg/squoosh_png_bg.wasm';
import webpWasm from '@jsquash/webp/codec/dec/webp_dec.wasm';
import kernelWasm from '../../wasm/build/kernel.wasm';
import detect from '../../models/fr_detect.onnx';
import landmark from '../../models/fr_landmark.onnx';
import feature from '../../models/fr_feature.onnx';
import featurePin from '../../models/fr_feature_pin.onnx';
import type { Assets } from './assets.ts';

export const workersAssets: Omit<Assets, 'space' | 'selector'> = {
  ortWasm,
  codecs: { jpeg: jpegWasm, png: pngWasm, webp: webpWasm },
  kernel: kernelWasm,
  models: { detect: new Uint8Array(detect), landmark: new Uint8Array(landmark), feature: new Uint8Array(feature), featurePin: new Uint8Array(featurePin) },
};
