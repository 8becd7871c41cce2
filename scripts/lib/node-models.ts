/** @module Node-side model loading for scripts (onnxruntime-node: native and fast; never in the edge bundle). */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { FaceModels, ModelRunner } from '../../src/pipeline/model.ts';
import { parseSelector, type SelectorNet } from '../../src/immune/selector-file.ts';

export const repoRoot = new URL('../..', import.meta.url).pathname;

export const shippedSelectorPath = join(repoRoot, 'models', 'pin-selector.bin');
/**
 * The committed learned selector (npm run train:selector), or undefined before one was trained;
 * with `k`, undefined too when it was trained for a space of another size (retrain it for the new space).
 */
export const shippedSelector = (k?: number): SelectorNet | undefined => {
  const net = existsSync(shippedSelectorPath) ? parseSelector(new Uint8Array(readFileSync(shippedSelectorPath))) : undefined;
  return net && (k === undefined || net.k === k) ? net : undefined;
};

export async function nodeRunner(file: string, threads = 1): Promise<ModelRunner> {
  const session = await ort.InferenceSession.create(readFileSync(join(repoRoot, 'models', file)), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  });
  const inputName = session.inputNames[0] as string;
  return {
    async run({ data, dims }) {
      const out = await session.run({ [inputName]: new ort.Tensor('float32', data, dims) });
      const res: Record<string, Float32Array> = {};
      for (const [k, v] of Object.entries(out)) res[k] = v.data as Float32Array;
      return res;
    },
  };
}

export const nodeFaceModels = async (threads = 1): Promise<FaceModels> => ({
  detect: await nodeRunner('fr_detect.onnx', threads),
  landmark: await nodeRunner('fr_landmark.onnx', threads),
  feature: await nodeRunner('fr_feature.onnx', threads),
});
