/**
 * @module Detect: faces and their boxes with fr_detect.onnx, an Ultra-Light-style RFB-320
 * detector whose graph already applies softmax and prior decoding (outputs `scores` [N,2] and
 * corner-form `boxes` [N,4] in [0,1]); what remains here is thresholding and NMS.
 */
import type { DetectorOptions } from '../config.ts';
import { rectToAffine, sampleToChw, type RgbaImage } from './image.ts';
import { output, type ModelRunner } from './model.ts';

export interface Box { x: number; y: number; width: number; height: number }
export interface Detection { box: Box; score: number }

export const DETECT_WIDTH = 320;
export const DETECT_HEIGHT = 240;

const iou = (p: Box, q: Box): number => {
  const ix = Math.max(0, Math.min(p.x + p.width, q.x + q.width) - Math.max(p.x, q.x));
  const iy = Math.max(0, Math.min(p.y + p.height, q.y + q.height) - Math.max(p.y, q.y));
  const inter = ix * iy;
  return inter / (p.width * p.height + q.width * q.height - inter);
};

/** Greedy NMS by score: keeps the best box of each overlapping cluster. */
export const nms = (dets: Detection[], maxIou: number): Detection[] => {
  const kept: Detection[] = [];
  for (const d of [...dets].sort((p, q) => q.score - p.score)) {
    if (kept.every((k) => iou(k.box, d.box) <= maxIou)) kept.push(d);
  }
  return kept;
};

/** Turns raw model outputs into boxes in source pixels, clipped to the image. */
export function decodeDetections(
  scores: Float32Array,
  boxes: Float32Array,
  imageWidth: number,
  imageHeight: number,
  opts: DetectorOptions,
): Detection[] {
  const found: Detection[] = [];
  const n = scores.length / 2;
  for (let i = 0; i < n; i++) {
    const score = scores[2 * i + 1] as number;
    if (!(score >= opts.scoreThreshold)) continue;
    const x1 = Math.max(0, (boxes[4 * i] as number) * imageWidth);
    const y1 = Math.max(0, (boxes[4 * i + 1] as number) * imageHeight);
    const x2 = Math.min(imageWidth, (boxes[4 * i + 2] as number) * imageWidth);
    const y2 = Math.min(imageHeight, (boxes[4 * i + 3] as number) * imageHeight);
    if (Math.min(x2 - x1, y2 - y1) < opts.minFaceSize) continue;
    found.push({ box: { x: x1, y: y1, width: x2 - x1, height: y2 - y1 }, score });
  }
  return nms(found, opts.nmsIou);
}

/** All faces in the image, largest first. */
export async function detectFaces(image: RgbaImage, model: ModelRunner, opts: DetectorOptions): Promise<Detection[]> {
  // The detector was trained on frames stretched to 320x240 whatever their aspect; so is this.
  const map = rectToAffine(0, 0, image.width, image.height, DETECT_WIDTH, DETECT_HEIGHT);
  const data = sampleToChw(image, map, DETECT_WIDTH, DETECT_HEIGHT, 'rgb', { mean: 127, scale: 128 });
  const out = await model.run({ data, dims: [1, 3, DETECT_HEIGHT, DETECT_WIDTH] });
  const dets = decodeDetections(output(out, 'scores'), output(out, 'boxes'), image.width, image.height, opts);
  return dets.sort((p, q) => q.box.width * q.box.height - p.box.width * p.box.height);
}
