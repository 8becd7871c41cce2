/**
 * @module Engine: the loaded pipeline (decoders, three networks, the immune-space projector)
 * behind one memoized promise per isolate, and the image -> face analysis that routes call.
 */
import manifest from '../models/manifest.json' with { type: 'json' };
import type { PinfaceConfig } from './config.ts';
import { PinfaceError, isPinfaceError } from './errors.ts';
import { defenseSettings } from './calibration.ts';
import { loadSpace, projectorOn, type DefenseConfig, type DefenseReport, type DefenseRequest, type Projector } from './immune/project.ts';
import type { DefenseMode } from './immune/selectors.ts';
import { parseSpace } from './immune/space-file.ts';
import { parseSelector } from './immune/selector-file.ts';
import { decodeImage, type DecodedImage } from './pipeline/decode/index.ts';
import { ALIGNED_SIZE, ARCFACE_TEMPLATE } from './pipeline/align.ts';
import { alignedInput, embedAligned, FEATURE_NORMALIZE } from './pipeline/embed.ts';
import { alignFace, type AlignedFace, type FacePolicy, type FaceResult } from './pipeline/face.ts';
import type { ChannelLayout } from './pipeline/image.ts';
import type { FaceModels, ModelRunner } from './pipeline/model.ts';
import type { AssetsInput } from './runtime/assets.ts';
import { createDecoders, type ImageDecoders } from './wasm/codecs.ts';
import { initKernel } from './wasm/kernel.ts';
import { createRunner } from './wasm/onnx.ts';

export interface Engine {
  decoders: ImageDecoders;
  models: Pick<FaceModels, 'detect' | 'landmark'>;
  /** The recognizer a defense mode's embeddings come from (modelIds.recognizerFor names it). */
  recognizer(mode: DefenseMode): Promise<ModelRunner>;
  project: Projector;
}

export interface AnalyzedImage {
  image: Pick<DecodedImage, 'width' | 'height' | 'format' | 'orientation'>;
  face: FaceResult;
  defense: DefenseReport;
  decodeMs: number;
  /** The aligned face and the recognizer's input after the defense, 8-bit gray (only when asked for). */
  crops?: { size: number; aligned: Uint8Array; projected: Uint8Array };
}

export interface AnalyzeOptions {
  faces: FacePolicy;
  /** The image is an aligned ALIGNED_SIZE face: no detection, no alignment. */
  aligned: boolean;
  crops: boolean;
}

/** The recognizer sees grayscale repeated to 3 planes: measured as accurate as BGR (README), and it is what the immune space projects. */
export const CHANNEL_LAYOUT: ChannelLayout = 'gray';

const id = (file: string, sha256: string): string => `${file.replace(/\.[a-z]+$/, '')}@${sha256.slice(0, 12)}`;
const cleanRecognizer = id(manifest.models.feature.file, manifest.models.feature.sha256);
/** The projection-aware recognizer (npm run train:recognizer), when the build has one. */
const pinEntry = (manifest as { pinRecognizer?: { file: string; sha256: string } }).pinRecognizer;
const pinRecognizer = pinEntry ? id(pinEntry.file, pinEntry.sha256) : undefined;

export const modelIds = {
  detector: id(manifest.models.detect.file, manifest.models.detect.sha256),
  landmarks: id(manifest.models.landmark.file, manifest.models.landmark.sha256),
  immuneSpace: id(manifest.space.file, manifest.space.sha256),
  selector: id(manifest.selector.file, manifest.selector.sha256),
};

/** Which recognizer embeds a mode's input: the shipped one for none, the projection-aware one for every projecting mode. */
export const recognizerId = (mode: DefenseMode): string => (mode === 'none' ? cleanRecognizer : pinRecognizer ?? cleanRecognizer);
/** Every recognizer of this build by role. */
export const recognizerIds = { none: cleanRecognizer, projecting: pinRecognizer ?? cleanRecognizer };
/** The model ids a response names: the recognizer is the one its defense mode used. */
export const modelIdsFor = (mode: DefenseMode) => ({ ...modelIds, recognizer: recognizerId(mode) });

/**
 * What this isolate loaded from a file's bytes (a network into onnxruntime, the space into a
 * kernel), by the bytes' ArrayBuffer: apps built from the same files share one loaded copy, an
 * app given other files gets its own. With `release`, the bytes are detached once loaded (a
 * zero-length transfer frees them), so the file is held once, in wasm memory.
 */
const loadedFrom = new WeakMap<ArrayBufferLike, Promise<unknown>>();
function loadOnce<T>(bytes: Uint8Array, load: () => T | Promise<T>, release: boolean): Promise<T> {
  const key = bytes.buffer;
  const known = loadedFrom.get(key) as Promise<T> | undefined;
  if (known) return known;
  const loading = (async () => {
    const value = await load();
    const whole = bytes.byteOffset === 0 && bytes.byteLength === key.byteLength;
    const buffer = key as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };
    if (release && whole && typeof buffer.transfer === 'function') buffer.transfer(0);
    return value;
  })();
  loadedFrom.set(key, loading);
  loading.catch(() => loadedFrom.delete(key));
  return loading;
}

export function engineLoader(assets: AssetsInput, config: PinfaceConfig): () => Promise<Engine> {
  let loading: Promise<Engine> | undefined;
  return () => {
    loading ??= (async () => {
      const a = typeof assets === 'function' ? await assets() : assets;
      const release = a.releaseAfterLoad === true;
      const runner = (bytes: Uint8Array): Promise<ModelRunner> => loadOnce(bytes, () => createRunner(bytes, { wasm: a.ortWasm }), release);
      const detect = await runner(a.models.detect);
      const landmark = await runner(a.models.landmark);
      // The default mode projects, so the projection-aware recognizer loads at start; the shipped one
      // (defense none) only when a request first asks for it, which keeps its memory out of most isolates.
      const { feature, featurePin } = a.models;
      const recognizer = (mode: DefenseMode): Promise<ModelRunner> => runner(mode === 'none' || !featurePin ? feature : featurePin);
      await recognizer(config.defense.mode);
      const space = await loadOnce(a.space, () => loadSpace(initKernel(a.kernel), parseSpace(a.space)), release);
      const project = projectorOn(space, config.defense, a.selector ? parseSelector(a.selector) : undefined);
      return { decoders: createDecoders(a.codecs), models: { detect, landmark }, recognizer, project };
    })().catch((e: unknown) => {
      loading = undefined; // a failed start-up is retried by the next request, not cached forever
      throw e;
    });
    return loading;
  };
}

/** An image that is already an aligned face: its pixels are the recognizer's crop, the template is its landmarks. */
function asAlignedFace(img: DecodedImage): AlignedFace {
  if (img.width !== ALIGNED_SIZE || img.height !== ALIGNED_SIZE) {
    throw new PinfaceError('invalid_parameters', `[pinface] [request] aligned=true needs ${ALIGNED_SIZE}x${ALIGNED_SIZE} face crops; this image is ${img.width}x${img.height}. Send the photo without aligned=true to have the face found and aligned.`, { field: 'aligned' });
  }
  const t0 = performance.now();
  const input = alignedInput(img, [1, 0, 0, 0, 1, 0], CHANNEL_LAYOUT);
  return {
    box: { x: 0, y: 0, width: ALIGNED_SIZE, height: ALIGNED_SIZE }, score: 1, landmarks: ARCFACE_TEMPLATE.map(([x, y]) => [x, y]), facesDetected: 1,
    input, timings: { detect: 0, landmarks: 0, align: performance.now() - t0 },
  };
}

/** The first plane of a normalised [3, 112, 112] input back to 8-bit gray. */
const toGray8 = (input: Float32Array): Uint8Array =>
  Uint8Array.from(input.subarray(0, ALIGNED_SIZE * ALIGNED_SIZE), (v) => Math.max(0, Math.min(255, Math.round(v * FEATURE_NORMALIZE.scale + FEATURE_NORMALIZE.mean))));

export async function analyzeImage(
  engine: Engine,
  bytes: Uint8Array<ArrayBuffer>,
  field: string,
  opts: AnalyzeOptions,
  defense: DefenseRequest,
  config: PinfaceConfig,
): Promise<AnalyzedImage> {
  try {
    const t0 = performance.now();
    const img = await decodeImage(bytes, engine.decoders, config.limits);
    const decodeMs = performance.now() - t0;
    const { input, timings, ...face } = opts.aligned
      ? asAlignedFace(img)
      : await alignFace(img, engine.models, { detector: config.detector, policy: opts.faces, layout: CHANNEL_LAYOUT });
    const projected = engine.project(input, defense);
    const t1 = performance.now();
    const embedding = await embedAligned(projected.input, await engine.recognizer(defense.mode));
    return {
      image: { width: img.width, height: img.height, format: img.format, orientation: img.orientation },
      face: { ...face, embedding, timings: { ...timings, embed: performance.now() - t1 } },
      defense: projected.report,
      decodeMs,
      ...(opts.crops ? { crops: { size: ALIGNED_SIZE, aligned: toGray8(input), projected: toGray8(projected.input) } } : {}),
    };
  } catch (e) {
    throw isPinfaceError(e) ? e.about(field) : e;
  }
}

/**
 * The version stamped on a stored template: recognizer, defense mode, and the files that mode
 * depends on. Templates are only compared with probes of the same version, so a new model,
 * space or selector can never be scored against embeddings it did not make.
 */
export function embeddingVersion(mode: DefenseMode, defense: DefenseConfig): string {
  const parts: string[] = [recognizerId(mode), mode];
  if (mode !== 'none') parts.push(modelIds.immuneSpace);
  if (mode === 'pin-learned') parts.push(modelIds.selector);
  const settings = defenseSettings(mode, defense);
  if (settings !== undefined) parts.push(settings);
  return parts.join('/');
}
