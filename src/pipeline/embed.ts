/**
 * @module Embed: the aligned 112x112 face through fr_feature.onnx, pixels (v - 127) / 128,
 * to an L2-normalised 512-d embedding.
 */
import { ALIGNED_SIZE } from './align.ts';
import { sampleToChw, type Affine, type ChannelLayout, type RgbaImage } from './image.ts';
import { output, type ModelRunner } from './model.ts';

export const EMBEDDING_SIZE = 512;
export const FEATURE_NORMALIZE = { mean: 127, scale: 128 } as const;

/**
 * The recognizer's input from one gray plane: the plane repeated to the network's 3 channels. The
 * one place that convention lives (the defense, calibration, training and the attack lab call it).
 */
export function grayToInput(plane: Float32Array, out = new Float32Array(3 * plane.length), at = 0): Float32Array {
  for (let c = 0; c < 3; c++) out.set(plane, at + c * plane.length);
  return out;
}

/** The aligned face as the recognizer's input tensor [3, 112, 112]. */
export function alignedInput(image: RgbaImage, map: Affine, layout: ChannelLayout): Float32Array {
  const t = sampleToChw(image, map, ALIGNED_SIZE, ALIGNED_SIZE, layout, FEATURE_NORMALIZE, 8);
  return layout === 'gray' ? grayToInput(t) : t;
}

export const l2normalize = (v: Float32Array): Float32Array => {
  let n = 0;
  for (const x of v) n += x * x;
  const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
  return v.map((x) => x * inv);
};

/** The unit embedding, and the length of the network's output before normalising it (a recognizability signal: quality.ts). */
export async function embedWithNorm(input: Float32Array, model: ModelRunner): Promise<{ embedding: Float32Array; norm: number }> {
  const raw = output(await model.run({ data: input, dims: [1, 3, ALIGNED_SIZE, ALIGNED_SIZE] }), 'output');
  let n = 0;
  for (const x of raw) n += x * x;
  return { embedding: l2normalize(raw), norm: Math.sqrt(n) };
}

export async function embedAligned(input: Float32Array, model: ModelRunner): Promise<Float32Array> {
  return (await embedWithNorm(input, model)).embedding;
}
