/**
 * @module Analyze: the one module that owns the order of the stages for one image — decode, find
 * and align the face (or take an aligned crop), the defense, the recognizer — with per-stage timings.
 */
import type { PinfaceConfig } from './config.ts';
import type { Engine } from './engine.ts';
import { PinfaceError, isPinfaceError } from './errors.ts';
import type { DefenseReport, DefenseRequest } from './immune/project.ts';
import { decodeImage, type DecodedImage } from './pipeline/decode/index.ts';
import { uprightSize } from './pipeline/decode/orient.ts';
import { ALIGNED_SIZE, ARCFACE_TEMPLATE } from './pipeline/align.ts';
import { alignedInput, embedWithNorm, FEATURE_NORMALIZE } from './pipeline/embed.ts';
import { alignFace, type AlignedFace, type FacePolicy, type FaceResult } from './pipeline/face.ts';
import { type ChannelLayout, releaseBuffer } from './pipeline/image.ts';
import { type FaceQuality, faceQuality, type QualityLevel, qualityShortfalls } from './pipeline/quality.ts';

export interface AnalyzedImage {
  /** Upright size as sent; `scale` > 1 when a large JPEG was decoded at reduced scale. */
  image: Pick<DecodedImage, 'width' | 'height' | 'format' | 'orientation' | 'scale'>;
  face: FaceResult;
  quality: FaceQuality;
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
  quality: QualityLevel;
}

/** The recognizer sees grayscale repeated to 3 planes: measured as accurate as BGR (README), and it is what the immune space projects. */
export const CHANNEL_LAYOUT: ChannelLayout = 'gray';

/** An image that is already an aligned face: its pixels are the recognizer's crop, the template is its landmarks. */
function asAlignedFace(img: DecodedImage): AlignedFace {
  if (img.width !== ALIGNED_SIZE || img.height !== ALIGNED_SIZE) {
    throw new PinfaceError('invalid_parameters', `[pinface] [request] aligned=true needs ${ALIGNED_SIZE}x${ALIGNED_SIZE} face crops; this image is ${img.width}x${img.height}. Send the photo without aligned=true to have the face found and aligned.`, { field: 'aligned' });
  }
  const t0 = performance.now();
  const input = alignedInput(img, [1, 0, 0, 0, 1, 0], CHANNEL_LAYOUT);
  return {
    box: { x: 0, y: 0, width: ALIGNED_SIZE, height: ALIGNED_SIZE }, score: 1, landmarks: ARCFACE_TEMPLATE.map(([x, y]) => [x, y]), facesDetected: 1,
    input, timings: { detect: 0, refine: 0, landmarks: 0, align: performance.now() - t0 },
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
    let aligned: AlignedFace;
    try {
      aligned = opts.aligned ? asAlignedFace(img) : await alignFace(img, engine.models, { detector: config.detector, policy: opts.faces, layout: CHANNEL_LAYOUT });
    } finally {
      releaseBuffer(img.data); // the pixels are done with once the face is aligned
    }
    const { input, timings, ...found } = aligned;
    // Boxes and landmarks in the pixels of the photo as sent, whatever scale it was decoded at.
    const k = img.scale;
    const face = k === 1 ? found : {
      ...found,
      box: { x: found.box.x * k, y: found.box.y * k, width: found.box.width * k, height: found.box.height * k },
      landmarks: found.landmarks.map(([x, y]): [number, number] => [x * k, y * k]),
    };
    const projected = engine.project(input, defense);
    const t1 = performance.now();
    const { embedding, norm } = await embedWithNorm(projected.input, await engine.recognizer(defense.mode));
    const embedMs = performance.now() - t1;
    const quality = faceQuality(face.box, face.landmarks, input.subarray(0, ALIGNED_SIZE * ALIGNED_SIZE), FEATURE_NORMALIZE, norm);
    const shortfalls = qualityShortfalls(quality, opts.quality);
    if (shortfalls.length > 0) {
      throw new PinfaceError('low_quality', `[pinface] [quality] The face does not meet quality=${opts.quality}: ${shortfalls.join('; ')}. Send a sharper, larger, more frontal and evenly lit photo, or ask for a lower quality level.`, {
        extra: { level: opts.quality, reasons: shortfalls.map((r) => r.slice(0, r.indexOf(':'))), details: shortfalls },
      });
    }
    return {
      image: { ...uprightSize(img.sourceWidth, img.sourceHeight, img.orientation), format: img.format, orientation: img.orientation, scale: img.scale },
      face: { ...face, embedding, timings: { ...timings, embed: embedMs } },
      quality,
      defense: projected.report,
      decodeMs,
      ...(opts.crops ? { crops: { size: ALIGNED_SIZE, aligned: toGray8(input), projected: toGray8(projected.input) } } : {}),
    };
  } catch (e) {
    throw isPinfaceError(e) ? e.about(field) : e;
  }
}

