/**
 * The embedding every runtime must serve for an aligned fixture, computed outside the service:
 * the product's decoder and projector, and the recognizer the mode uses, on onnxruntime-node.
 * A runtime that loaded another model (or the wrong one for a mode) cannot match it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import manifest from '../../models/manifest.json' with { type: 'json' };
import { nodeCodecModules } from '../../scripts/lib/node-codecs.ts';
import { nodeKernel } from '../../scripts/lib/node-kernel.ts';
import { nodeRunner, repoRoot, shippedSelector } from '../../scripts/lib/node-models.ts';
import { defaultDefense, defaultLimits } from '../../src/config.ts';
import { CHANNEL_LAYOUT } from '../../src/analyze.ts';
import { createProjector } from '../../src/immune/project.ts';
import type { DefenseMode } from '../../src/immune/selectors.ts';
import { parseSpace } from '../../src/immune/space-file.ts';
import { decodeImage } from '../../src/pipeline/decode/index.ts';
import { alignedInput, embedAligned } from '../../src/pipeline/embed.ts';
import { createDecoders } from '../../src/wasm/codecs.ts';

/** The file each mode's embeddings come from in this build. */
export const recognizerFile = (mode: DefenseMode): string => {
  const pin = (manifest as { pinRecognizer?: { file: string } }).pinRecognizer;
  return mode === 'none' || !pin ? manifest.models.feature.file : pin.file;
};

export async function referenceEmbedding(alignedPng: Uint8Array<ArrayBuffer>, mode: DefenseMode, seed: number): Promise<Float32Array> {
  const img = await decodeImage(alignedPng, createDecoders(await nodeCodecModules()), defaultLimits);
  const input = alignedInput(img, [1, 0, 0, 0, 1, 0], CHANNEL_LAYOUT);
  const space = parseSpace(new Uint8Array(readFileSync(join(repoRoot, 'models', 'immune-space.bin'))));
  const project = createProjector(await nodeKernel(), space, defaultDefense, shippedSelector(space.k));
  const { input: defended } = project(input, { mode, seed, deterministic: false });
  return embedAligned(defended, await nodeRunner(recognizerFile(mode)));
}
