/**
 * @module Face: one image to one embedding — detect, pick the face, landmarks, align, embed —
 * with per-stage timings. Pure orchestration over injected models; no runtime specifics.
 */
import type { DetectorOptions } from '../config.ts';
import { PinfaceError } from '../errors.ts';
import { alignmentMap } from './align.ts';
import { detectFaces, type Box } from './detect.ts';
import { alignedInput } from './embed.ts';
import type { ChannelLayout, RgbaImage } from './image.ts';
import { fivePoints, predictLandmarks, type Point } from './landmarks.ts';
import type { FaceModels } from './model.ts';

export type FacePolicy = 'largest' | 'single';

export interface FaceOptions {
  detector: DetectorOptions;
  policy: FacePolicy;
  layout: ChannelLayout;
}

export interface AlignedFace {
  box: Box;
  score: number;
  landmarks: Point[];
  facesDetected: number;
  /** The recognizer's input [3, 112, 112], normalised (v - 127) / 128. */
  input: Float32Array;
  timings: Record<'detect' | 'landmarks' | 'align', number>;
}

export interface FaceResult extends Omit<AlignedFace, 'input' | 'timings'> {
  embedding: Float32Array;
  timings: Record<'detect' | 'landmarks' | 'align' | 'embed', number>;
}

const now = (): number => performance.now();

/** Detect, pick the face, landmarks, align: everything before the recognizer. */
export async function alignFace(image: RgbaImage, models: Pick<FaceModels, 'detect' | 'landmark'>, opts: FaceOptions): Promise<AlignedFace> {
  let t = now();
  const lap = (): number => { const t1 = now(); const d = t1 - t; t = t1; return d; };
  const faces = await detectFaces(image, models.detect, opts.detector);
  const detect = lap();
  const face = faces[0];
  if (!face) {
    throw new PinfaceError('no_face', `[pinface] [detect] No face found. Send a photo with one clearly visible face, at least ${opts.detector.minFaceSize} pixels across.`);
  }
  if (opts.policy === 'single' && faces.length > 1) {
    throw new PinfaceError('multiple_faces', `[pinface] [detect] ${faces.length} faces found but faces=single was requested. Crop to one face, or use faces=largest.`, {
      extra: { facesDetected: faces.length },
    });
  }
  const all = await predictLandmarks(image, face.box, models.landmark);
  const five = fivePoints(all);
  const landmarks = lap();
  const input = alignedInput(image, alignmentMap(five), opts.layout);
  const align = lap();
  return { box: face.box, score: face.score, landmarks: five, facesDetected: faces.length, input, timings: { detect, landmarks, align } };
}
