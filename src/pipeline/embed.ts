/**
 * @module Embed: the aligned 112x112 face through fr_feature.onnx, pixels (v - 127) / 128,
 * to an L2-normalised 512-d embedding.
 */
import { ALIGNED_SIZE } from './align.ts';
import { sampleToChw, type Affine, type ChannelLayout, type RgbaImage } from './image.ts';
import { output, type ModelRunner } from './model.ts';

export const EMBEDDING_SIZE = 512;
export const FEATURE_NORMALIZE = { mean: 127, scale: 128 } as const;

/** The aligned face as the recognizer's input tensor [3, 112, 112] (gray is repeated to 3 planes). */
export function alignedInput(image: RgbaImage, map: Affine, layout: ChannelLayout): Float32Array {
  const s = ALIGNED_SIZE;
  const t = sampleToChw(image, map, s, s, layout, FEATURE_NORMALIZE, 8);
  if (layout !== 'gray') return t;
  const rgb = new Float32Array(3 * s * s);
  rgb.set(t, 0);
  rgb.set(t, s * s);
  rgb.set(t, 2 * s * s);
  return rgb;
}

export const l2normalize = (v: Float32Array): Float32Array => {
  let n = 0;
  for (const x of v) n += x * x;
  const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
  return v.map((x) => x * inv);
};

export async function embedAligned(input: Float32Array, model: ModelRunner): Promise<Float32Array> {
  const raw = output(await model.run({ data: input, dims: [1, 3, ALIGNED_SIZE, ALIGNED_SIZE] }), 'output');
  return l2normalize(raw);
}
