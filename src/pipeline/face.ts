/**
 * @module Face: one image to one embedding — detect, pick the face, landmarks, align, embed —
 * with per-stage timings. Pure orchestration over injected models; no runtime specifics.
 */
import type { DetectorOptions } from '../config.ts';
import { PinfaceError } from '../errors.ts';
import { alignmentMap } from './align.ts';
import { detectFaces, type Box } from './detect.ts';
import { alignedInput } from './embed.ts';
import { type ChannelLayout, type FinerView, type RgbaImage, releaseBuffer } from './image.ts';
import { fivePoints, predictLandmarks, type Point } from './landmarks.ts';
import type { FaceModels } from './model.ts';

export type FacePolicy = 'largest' | 'single';

export interface FaceOptions {
  detector: DetectorOptions;
  policy: FacePolicy;
  layout: ChannelLayout;
  /** Detector passes (plain, with a border, in tiles); default all three, as the service runs. */
  detectorPasses?: 1 | 2 | 3;
}

export interface AlignedFace {
  box: Box;
  score: number;
  landmarks: Point[];
  facesDetected: number;
  /** The recognizer's input [3, 112, 112], normalised (v - 127) / 128. */
  input: Float32Array;
  /** refine: decoding the face's region again at a finer scale (large JPEGs only, else 0). */
  timings: Record<'detect' | 'refine' | 'landmarks' | 'align', number>;
}

export interface FaceResult extends Omit<AlignedFace, 'input' | 'timings'> {
  embedding: Float32Array;
  timings: Record<'detect' | 'refine' | 'landmarks' | 'align' | 'embed', number>;
}

const now = (): number => performance.now();

/** An image that can decode a region again at a finer scale (large JPEGs decoded at reduced scale). */
export type WithDetail = RgbaImage & { detail?: (region: Box, faceSide: number) => FinerView | undefined };

/** Context around the face box that the landmark crop and the aligner may read, per side, as a share of the box. */
const DETAIL_MARGIN = 0.6;

function detailRegion(image: RgbaImage, box: Box): Box {
  const mx = box.width * DETAIL_MARGIN, my = box.height * DETAIL_MARGIN;
  const x = Math.max(0, Math.floor(box.x - mx)), y = Math.max(0, Math.floor(box.y - my));
  return { x, y, width: Math.min(image.width, Math.ceil(box.x + box.width + mx)) - x, height: Math.min(image.height, Math.ceil(box.y + box.height + my)) - y };
}

/** Detect, pick the face, landmarks, align: everything before the recognizer. */
export async function alignFace(image: WithDetail, models: Pick<FaceModels, 'detect' | 'landmark'>, opts: FaceOptions): Promise<AlignedFace> {
  let t = now();
  const lap = (): number => { const t1 = now(); const d = t1 - t; t = t1; return d; };
  const faces = await detectFaces(image, models.detect, opts.detector, opts.detectorPasses);
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
  // A small face of a reduced-scale decode: landmarks and alignment read a finer decode of its region.
  const view = image.detail?.(detailRegion(image, face.box), Math.min(face.box.width, face.box.height));
  const refine = lap();
  const src = view?.image ?? image;
  const z = view?.zoom ?? 1, ox = view?.originX ?? 0, oy = view?.originY ?? 0;
  const box = { x: (face.box.x - ox) * z, y: (face.box.y - oy) * z, width: face.box.width * z, height: face.box.height * z };
  const five = fivePoints(await predictLandmarks(src, box, models.landmark));
  const landmarks = lap();
  const input = alignedInput(src, alignmentMap(five), opts.layout);
  if (view) releaseBuffer(view.image.data);
  const align = lap();
  const inImage = five.map(([x, y]): Point => [x / z + ox, y / z + oy]);
  return { box: face.box, score: face.score, landmarks: inImage, facesDetected: faces.length, input, timings: { detect, refine, landmarks, align } };
}
