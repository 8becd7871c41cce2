/** @module Assets port: every binary the service needs, handed in by a runtime adapter. */
import type { CodecModules } from '../wasm/codecs.ts';

export interface ModelBytes {
  detect: Uint8Array<ArrayBuffer>;
  landmark: Uint8Array<ArrayBuffer>;
  feature: Uint8Array<ArrayBuffer>;
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
}

export type AssetsInput = Assets | (() => Promise<Assets>);
