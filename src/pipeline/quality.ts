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
  /** Mean gray level of the aligned crop (0..255), and the share of its pixels at <= 5 or >= 250. */
  brightness: number;
  clipped: number;
}

export type QualityLevel = 'none' | 'low' | 'medium' | 'high';
export const QUALITY_LEVELS: readonly QualityLevel[] = ['none', 'low', 'medium', 'high'];

export interface QualityBounds {
  minFaceSize: number;
  minSharpness: number;
  maxYaw: number;
  maxPitch: number;
  minBrightness: number;
  maxBrightness: number;
  maxClipped: number;
}

/**
 * What each level demands. Set on LFW dev folds 1-4 and UTKFace's calibration part
 * (npm run eval:quality); the README reports them on folds 5-8. Roll is reported, not bounded:
 * alignment undoes it.
 */
export const QUALITY_BOUNDS: Record<Exclude<QualityLevel, 'none'>, QualityBounds> = {
  low: { minFaceSize: 32, minSharpness: 20, maxYaw: 60, maxPitch: 45, minBrightness: 25, maxBrightness: 235, maxClipped: 0.5 },
  medium: { minFaceSize: 48, minSharpness: 60, maxYaw: 40, maxPitch: 35, minBrightness: 40, maxBrightness: 220, maxClipped: 0.25 },
  high: { minFaceSize: 96, minSharpness: 120, maxYaw: 25, maxPitch: 25, minBrightness: 60, maxBrightness: 200, maxClipped: 0.1 },
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
    if (v <= 5 || v >= 250) clipped++;
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

export function faceQuality(box: Box, five: readonly Point[], plane: Float32Array, norm: { mean: number; scale: number }): FaceQuality {
  return { faceSize: Math.min(box.width, box.height), ...cropSignals(plane, norm), ...poseFromLandmarks(five) };
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
  if (q.brightness < b.minBrightness) out.push(`too_dark: brightness ${Math.round(q.brightness)} < ${b.minBrightness}`);
  if (q.brightness > b.maxBrightness) out.push(`too_bright: brightness ${Math.round(q.brightness)} > ${b.maxBrightness}`);
  if (q.clipped > b.maxClipped) out.push(`clipped: ${Math.round(q.clipped * 100)} % of pixels at black or white, limit ${Math.round(b.maxClipped * 100)} %`);
  return out;
}
