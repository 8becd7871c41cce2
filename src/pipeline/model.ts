/** @module Model port: the subset of an inference session the pipeline needs. */

export interface TensorInput {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

/**
 * One loaded network. Implemented over onnxruntime-web at the edge (src/wasm/onnx.ts) and over
 * onnxruntime-node in scripts; the pipeline never imports a runtime.
 */
export interface ModelRunner {
  run(input: TensorInput): Promise<Record<string, Float32Array>>;
}

export interface FaceModels {
  detect: ModelRunner;
  landmark: ModelRunner;
  feature: ModelRunner;
}

export const output = (outputs: Record<string, Float32Array>, name: string): Float32Array => {
  const t = outputs[name];
  if (!t) throw new Error(`[pinface] [model] output "${name}" missing; got ${Object.keys(outputs).join(', ')}`);
  return t;
};
