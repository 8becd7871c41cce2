/** @module Node-side model loading for scripts (onnxruntime-node: native and fast; never in the edge bundle). */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeAside } from './write-aside.ts';
import * as ort from 'onnxruntime-node';
import type { FaceModels, ModelRunner } from '../../src/pipeline/model.ts';
import { parseSelector, type SelectorNet } from '../../src/immune/selector-file.ts';

export const repoRoot = new URL('../..', import.meta.url).pathname;

export const manifestPath = join(repoRoot, 'models', 'manifest.json');
/**
 * Records one script's part of models/manifest.json (space, selector, pinRecognizer, calibration):
 * the manifest is read again at the moment of writing, because fits and trainings run for an hour
 * beside each other and a copy read at start would put back what another run replaced since.
 * Returns the part it replaced. Written aside and renamed, so a reader never sees half a file.
 */
export function recordInManifest(key: string, value: unknown): unknown {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
  const previous = manifest[key];
  manifest[key] = value;
  writeAside(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return previous;
}

/**
 * The shipped recognizers' files as the service loads them: the bare network `none` feeds, and the projection-aware
 * one PIN's modes and topk feed (the bare one in a build without it). Read from the manifest at the call.
 */
export function servedRecognizerPaths(): { clean: string; projecting: string } {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { models: { feature: { file: string } }; pinRecognizer?: { file: string } };
  const clean = join(repoRoot, 'models', manifest.models.feature.file);
  return { clean, projecting: manifest.pinRecognizer ? join(repoRoot, 'models', manifest.pinRecognizer.file) : clean };
}

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
