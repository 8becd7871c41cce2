/**
 * @module Landmarks: 68 facial points with fr_landmark.onnx (a 64x64 grayscale crop of the
 * detected box, values v/256, outputs in box-relative [0,1] coordinates), reduced to the five
 * points (eye centres, nose tip, mouth corners) the alignment template uses.
 */
import { rectToAffine, sampleToChw, type RgbaImage } from './image.ts';
import type { Box } from './detect.ts';
import { output, type ModelRunner } from './model.ts';

export type Point = readonly [number, number];
const SIZE = 64;

export async function predictLandmarks(image: RgbaImage, box: Box, model: ModelRunner): Promise<Point[]> {
  const map = rectToAffine(box.x, box.y, box.width, box.height, SIZE, SIZE);
  const data = sampleToChw(image, map, SIZE, SIZE, 'gray', { mean: 0, scale: 256 });
  const raw = output(await model.run({ data, dims: [1, 1, SIZE, SIZE] }), 'output');
  const points: Point[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    points.push([box.x + (raw[i] as number) * box.width, box.y + (raw[i + 1] as number) * box.height]);
  }
  return points;
}

const mean = (pts: Point[], idx: number[]): Point => {
  let x = 0, y = 0;
  for (const i of idx) {
    const p = pts[i];
    if (!p) throw new Error(`[pinface] [landmarks] point ${i} missing: expected 68 points, got ${pts.length}`);
    x += p[0];
    y += p[1];
  }
  return [x / idx.length, y / idx.length];
};

/** iBUG 68-point layout -> [left eye, right eye, nose tip, left mouth corner, right mouth corner] (image left/right). */
export const fivePoints = (pts: Point[]): Point[] => [
  mean(pts, [36, 37, 38, 39, 40, 41]),
  mean(pts, [42, 43, 44, 45, 46, 47]),
  mean(pts, [30]),
  mean(pts, [48, 60]),
  mean(pts, [54, 64]),
];
