/**
 * @module Engine: the loaded pipeline (decoders + three networks) behind one memoized promise
 * per isolate, and the image -> face analysis that routes call.
 */
import manifest from '../models/manifest.json' with { type: 'json' };
import type { PinfaceConfig } from './config.ts';
import { isPinfaceError } from './errors.ts';
import { decodeImage, type DecodedImage } from './pipeline/decode/index.ts';
import { analyzeFace, type FacePolicy, type FaceResult } from './pipeline/face.ts';
import type { ChannelLayout } from './pipeline/image.ts';
import type { FaceModels } from './pipeline/model.ts';
import type { AssetsInput } from './runtime/assets.ts';
import { createDecoders, type ImageDecoders } from './wasm/codecs.ts';
import { createRunner } from './wasm/onnx.ts';

export interface Engine {
  decoders: ImageDecoders;
  models: FaceModels;
}

export interface AnalyzedImage {
  image: Pick<DecodedImage, 'width' | 'height' | 'format' | 'orientation'>;
  face: FaceResult;
  decodeMs: number;
}

/** The recognizer sees grayscale repeated to 3 planes: measured as accurate as BGR (README), and it is what the immune space projects. */
export const CHANNEL_LAYOUT: ChannelLayout = 'gray';

export const modelIds = {
  detector: `fr_detect@${manifest.models.detect.sha256.slice(0, 12)}`,
  landmarks: `fr_landmark@${manifest.models.landmark.sha256.slice(0, 12)}`,
  recognizer: `fr_feature@${manifest.models.feature.sha256.slice(0, 12)}`,
};

export const calibratedThreshold = (): number => manifest.calibration.threshold;

export function engineLoader(assets: AssetsInput): () => Promise<Engine> {
  let loading: Promise<Engine> | undefined;
  return () => {
    loading ??= (async () => {
      const a = typeof assets === 'function' ? await assets() : assets;
      const wasm = a.ortWasm;
      const detect = await createRunner(a.models.detect, { wasm });
      const landmark = await createRunner(a.models.landmark, { wasm });
      const feature = await createRunner(a.models.feature, { wasm });
      return { decoders: createDecoders(a.codecs), models: { detect, landmark, feature } };
    })().catch((e: unknown) => {
      loading = undefined; // a failed start-up is retried by the next request, not cached forever
      throw e;
    });
    return loading;
  };
}

export async function analyzeImage(
  engine: Engine,
  bytes: Uint8Array<ArrayBuffer>,
  field: string,
  faces: FacePolicy,
  config: PinfaceConfig,
): Promise<AnalyzedImage> {
  try {
    const t0 = performance.now();
    const img = await decodeImage(bytes, engine.decoders, config.limits);
    const decodeMs = performance.now() - t0;
    const face = await analyzeFace(img, engine.models, { detector: config.detector, policy: faces, layout: CHANNEL_LAYOUT });
    return { image: { width: img.width, height: img.height, format: img.format, orientation: img.orientation }, face, decodeMs };
  } catch (e) {
    throw isPinfaceError(e) ? e.about(field) : e;
  }
}
