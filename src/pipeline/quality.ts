/**
 * @module Quality: per-face signals, as cloud face APIs report them — size, sharpness, pose and
 * exposure — and the levels a request may demand. Pure functions over what the pipeline already
 * has: the box, the five landmarks and the aligned 112x112 crop.
 */
import { ALIGNED_SIZE, ARCFACE_TEMPLATE } from './align.ts';
import type { Box } from './detect.ts';
import type { Point } from './landmarks.ts';

export interface FaceQuality {
  /** Shorter side of the face box, in pixels of the photo as sent. */
  faceSize: number;
  /** Variance of the Laplacian of the aligned crop (8-bit gray): blur and upscaled small faces score low. */
  sharpness: number;
  /** Head pose in degrees, estimated from the five landmarks: yaw (left/right), pitch (up/down), roll (in-plane). */
  yaw: number;
  pitch: number;
  roll: number;
  /**
   * Mean gray level of the aligned crop (0..255), and the share of its pixels blown out (>= 250).
   * Black is left to the mean: where a tight crop ends, the aligned face reads black outside the photo.
   */
  brightness: number;
  clipped: number;
  /**
   * Length of the recognizer's output before normalisation, on the defended face: networks trained
   * with margin losses give hard-to-recognise faces short features (MagFace, Meng et al. 2021).
   */
  featureNorm: number;
}

export type QualityLevel = 'none' | 'low' | 'medium' | 'high';
export const QUALITY_LEVELS: readonly QualityLevel[] = ['none', 'low', 'medium', 'high'];

export interface QualityBounds {
  minFaceSize: number;
  minSharpness: number;
  maxYaw: number;
  maxPitch: number;
  /** In-plane tilt: alignment undoes it, but past this the landmarks themselves tend to be wrong. */
  maxRoll: number;
  minBrightness: number;
  maxBrightness: number;
  maxClipped: number;
  minFeatureNorm: number;
}

/**
 * What each level demands. low: only the extremes. medium: the bounds that removed the most false
 * non-matches of LFW dev folds 1-4 (at the default threshold) while refusing at most 2.5 % of their
 * images and 3 % of UTKFace's calibration part — feature norm, face size and roll carried it; the
 * other signals removed none there and keep (about) low's extremes. high: for enrolment, strict on every
 * signal. npm run eval:quality reports all three on folds 5-8 and UTKFace's report part (README).
 */
export const QUALITY_BOUNDS: Record<Exclude<QualityLevel, 'none'>, QualityBounds> = {
  low: { minFaceSize: 24, minSharpness: 10, maxYaw: 70, maxPitch: 50, maxRoll: 45, minBrightness: 20, maxBrightness: 240, maxClipped: 0.6, minFeatureNorm: 2 },
  medium: { minFaceSize: 77, minSharpness: 10, maxYaw: 80, maxPitch: 60, maxRoll: 17, minBrightness: 20, maxBrightness: 240, maxClipped: 0.6, minFeatureNorm: 2.62 },
  high: { minFaceSize: 90, minSharpness: 40, maxYaw: 30, maxPitch: 30, maxRoll: 12, minBrightness: 50, maxBrightness: 210, maxClipped: 0.1, minFeatureNorm: 3 },
};

const DEG = 180 / Math.PI;
const clamp1 = (v: number): number => Math.max(-1, Math.min(1, v));
const [T_LEFT_EYE, , T_NOSE, T_LEFT_MOUTH] = ARCFACE_TEMPLATE as [Point, Point, Point, Point, Point];
/** Where the nose sits between the eye line and the mouth line on a frontal face (the alignment template). */
const FRONTAL_NOSE_DROP = (T_NOSE[1] - T_LEFT_EYE[1]) / (T_LEFT_MOUTH[1] - T_LEFT_EYE[1]);

/**
 * Pose from five landmarks: roll from the eye line; then, in the roll-free frame, yaw from how far
 * the nose sits off the eyes' midpoint (half the eye distance = 90 degrees), pitch from how far it
 * sits off its frontal height between the eyes and the mouth.
 */
export function poseFromLandmarks(five: readonly Point[]): { yaw: number; pitch: number; roll: number } {
  const [le, re, nose, lm, rm] = five as [Point, Point, Point, Point, Point];
  const roll = Math.atan2(re[1] - le[1], re[0] - le[0]);
  const c = Math.cos(-roll), s = Math.sin(-roll);
  const turn = ([x, y]: Point): Point => [c * x - s * y, s * x + c * y];
  const [l, r, n, ml, mr] = [le, re, nose, lm, rm].map(turn) as [Point, Point, Point, Point, Point];
  const eyeMid: Point = [(l[0] + r[0]) / 2, (l[1] + r[1]) / 2];
  const mouthY = (ml[1] + mr[1]) / 2;
  const half = Math.max(1e-6, (r[0] - l[0]) / 2);
  const yaw = Math.asin(clamp1((n[0] - eyeMid[0]) / half)) * DEG;
  const span = mouthY - eyeMid[1];
  const drop = Math.abs(span) < 1e-6 ? FRONTAL_NOSE_DROP : (n[1] - eyeMid[1]) / span;
  const pitch = Math.asin(clamp1((drop - FRONTAL_NOSE_DROP) / 0.5)) * DEG;
  return { yaw, pitch, roll: roll * DEG };
}

/** Sharpness and exposure of the aligned crop's first plane, given as normalised floats (v - mean) / scale. */
export function cropSignals(plane: Float32Array, norm: { mean: number; scale: number }): Pick<FaceQuality, 'sharpness' | 'brightness' | 'clipped'> {
  const n = ALIGNED_SIZE;
  const g = (i: number): number => (plane[i] as number) * norm.scale + norm.mean;
  let sum = 0, clipped = 0;
  for (let i = 0; i < n * n; i++) {
    const v = g(i);
    sum += v;
    if (v >= 250) clipped++;
  }
  // The 4-neighbour Laplacian over the inner pixels.
  let lsum = 0, lsq = 0, m = 0;
  for (let y = 1; y < n - 1; y++) {
    for (let x = 1; x < n - 1; x++) {
      const i = y * n + x;
      const lap = g(i - 1) + g(i + 1) + g(i - n) + g(i + n) - 4 * g(i);
      lsum += lap;
      lsq += lap * lap;
      m++;
    }
  }
  const mean = lsum / m;
  return { sharpness: lsq / m - mean * mean, brightness: sum / (n * n), clipped: clipped / (n * n) };
}

export function faceQuality(box: Box, five: readonly Point[], plane: Float32Array, norm: { mean: number; scale: number }, featureNorm: number): FaceQuality {
  return { faceSize: Math.min(box.width, box.height), ...cropSignals(plane, norm), ...poseFromLandmarks(five), featureNorm };
}

/** The reasons a face falls short of `level`, empty when it passes (always for 'none'). */
export function qualityShortfalls(q: FaceQuality, level: QualityLevel): string[] {
  if (level === 'none') return [];
  const b = QUALITY_BOUNDS[level];
  const out: string[] = [];
  if (q.faceSize < b.minFaceSize) out.push(`face_too_small: ${Math.round(q.faceSize)} px < ${b.minFaceSize}`);
  if (q.sharpness < b.minSharpness) out.push(`blurry: sharpness ${Math.round(q.sharpness)} < ${b.minSharpness}`);
  if (Math.abs(q.yaw) > b.maxYaw) out.push(`turned: yaw ${Math.round(q.yaw)} degrees, limit ${b.maxYaw}`);
  if (Math.abs(q.pitch) > b.maxPitch) out.push(`tilted: pitch ${Math.round(q.pitch)} degrees, limit ${b.maxPitch}`);
  if (Math.abs(q.roll) > b.maxRoll) out.push(`rolled: roll ${Math.round(q.roll)} degrees, limit ${b.maxRoll}`);
  if (q.brightness < b.minBrightness) out.push(`too_dark: brightness ${Math.round(q.brightness)} < ${b.minBrightness}`);
  if (q.brightness > b.maxBrightness) out.push(`too_bright: brightness ${Math.round(q.brightness)} > ${b.maxBrightness}`);
  if (q.featureNorm < b.minFeatureNorm) out.push(`hard_to_recognise: feature norm ${q.featureNorm.toFixed(1)} < ${b.minFeatureNorm}`);
  if (q.clipped > b.maxClipped) out.push(`clipped: ${Math.round(q.clipped * 100)} % of pixels at black or white, limit ${Math.round(b.maxClipped * 100)} %`);
  return out;
}
