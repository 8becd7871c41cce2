/** @module Assets port: every binary the service needs, handed in by a runtime adapter. */
import type { CodecModules } from '../wasm/codecs.ts';

export interface ModelBytes {
  detect: Uint8Array<ArrayBuffer>;
  landmark: Uint8Array<ArrayBuffer>;
  /** fr_feature.onnx: the shipped recognizer, for defense none (and for every mode when featurePin is absent). */
  feature: Uint8Array<ArrayBuffer>;
  /** fr_feature_pin.onnx: the projection-aware recognizer (npm run train:recognizer), for every projecting mode. */
  featurePin?: Uint8Array<ArrayBuffer>;
}

/**
 * Compiled wasm modules (workerd forbids compiling bytes, so adapters import or compile them)
 * and the ONNX model bytes. A lazy function lets an adapter defer file reads to first use.
 */
export interface Assets {
  ortWasm: WebAssembly.Module;
  codecs: CodecModules;
  /** wasm/build/kernel.wasm: the SIMD projection kernel. */
  kernel: WebAssembly.Module;
  models: ModelBytes;
  /** models/immune-space.bin: mean face and eigenface basis (src/immune/space-file.ts). */
  space: Uint8Array<ArrayBuffer>;
  /** models/pin-selector.bin: the learned selector (src/immune/selector-file.ts); without it pin-learned answers 400. */
  selector?: Uint8Array<ArrayBuffer>;
  /**
   * The space and model bytes may be detached once loaded into wasm memory, so each is held once
   * (Workers: the Data modules' ArrayBuffers would otherwise stay next to their loaded copies). Apps
   * of one isolate given the same bytes share what was loaded from them.
   */
  releaseAfterLoad?: boolean;
}

export type AssetsInput = Assets | (() => Promise<Assets>);
