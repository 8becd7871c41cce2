/**
 * @module Align: the similarity transform (rotation, uniform scale, translation) that best maps
 * the five landmarks onto the ArcFace 112x112 template, in the least-squares sense (Umeyama 1991).
 */
import { PinfaceError } from '../errors.ts';
import type { Affine } from './image.ts';
import type { Point } from './landmarks.ts';

export const ALIGNED_SIZE = 112;

export const ARCFACE_TEMPLATE: readonly Point[] = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

/** Least-squares similarity T with T(src_i) ~ dst_i, as [a, -b, tx, b, a, ty]. */
export function similarity(src: readonly Point[], dst: readonly Point[]): Affine {
  const n = src.length;
  let sx = 0, sy = 0, dx = 0, dy = 0;
  for (let i = 0; i < n; i++) {
    const [px, py] = src[i] as Point;
    const [qx, qy] = dst[i] as Point;
    sx += px; sy += py; dx += qx; dy += qy;
  }
  sx /= n; sy /= n; dx /= n; dy /= n;
  let dot = 0, cross = 0, norm = 0;
  for (let i = 0; i < n; i++) {
    const [px, py] = src[i] as Point;
    const [qx, qy] = dst[i] as Point;
    const ux = px - sx, uy = py - sy, vx = qx - dx, vy = qy - dy;
    dot += ux * vx + uy * vy;
    cross += ux * vy - uy * vx;
    norm += ux * ux + uy * uy;
  }
  // NaN or coincident landmarks come from a crop with no usable face: a 422, not a crash.
  if (!(norm > 0) || !Number.isFinite(dot + cross)) throw new PinfaceError('no_face', '[pinface] [align] The face could not be aligned: its landmarks are degenerate. Send a clearer, frontal photo.');
  const a = dot / norm;
  const b = cross / norm;
  return [a, -b, dx - a * sx + b * sy, b, a, dy - b * sx - a * sy];
}

/** Inverse of a similarity/affine map, so the sampler can walk output pixels. */
export function invertAffine([a, b, c, d, e, f]: Affine): Affine {
  const det = a * e - b * d;
  if (!(Math.abs(det) > 1e-12) || !Number.isFinite(c + f)) throw new PinfaceError('no_face', '[pinface] [align] The face could not be aligned: the alignment transform is singular. Send a clearer, frontal photo.');
  const ia = e / det, ib = -b / det, id = -d / det, ie = a / det;
  return [ia, ib, -(ia * c + ib * f), id, ie, -(id * c + ie * f)];
}

/** Map from aligned-crop pixels to source pixels for the given five landmarks. */
export const alignmentMap = (five: readonly Point[]): Affine => invertAffine(similarity(five, ARCFACE_TEMPLATE));
