/**
 * @module Detect: faces and their boxes with fr_detect.onnx, an Ultra-Light-style RFB-320
 * detector whose graph already applies softmax and prior decoding (outputs `scores` [N,2] and
 * corner-form `boxes` [N,4] in [0,1]); what remains here is thresholding and NMS.
 */
import type { DetectorOptions } from '../config.ts';
import { rectToAffine, releaseBuffer, sampleToChw, type RgbaImage } from './image.ts';
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

/**
 * Turns raw model outputs into boxes in source pixels, clipped to the image. `frame` is the part
 * of the source the detector saw (default: the whole image; larger when padded, smaller for a tile).
 */
export function decodeDetections(
  scores: Float32Array,
  boxes: Float32Array,
  imageWidth: number,
  imageHeight: number,
  opts: DetectorOptions,
  frame: Box = { x: 0, y: 0, width: imageWidth, height: imageHeight },
): Detection[] {
  const found: Detection[] = [];
  const n = scores.length / 2;
  const fx = (v: number): number => frame.x + v * frame.width;
  const fy = (v: number): number => frame.y + v * frame.height;
  for (let i = 0; i < n; i++) {
    const score = scores[2 * i + 1] as number;
    if (!(score >= opts.scoreThreshold)) continue;
    const x1 = Math.max(0, fx(boxes[4 * i] as number));
    const y1 = Math.max(0, fy(boxes[4 * i + 1] as number));
    const x2 = Math.min(imageWidth, fx(boxes[4 * i + 2] as number));
    const y2 = Math.min(imageHeight, fy(boxes[4 * i + 3] as number));
    if (Math.min(x2 - x1, y2 - y1) < opts.minFaceSize) continue;
    found.push({ box: { x: x1, y: y1, width: x2 - x1, height: y2 - y1 }, score });
  }
  return nms(found, opts.nmsIou);
}

/** One detector run on `frame` of the image (it may reach outside: that part reads black). */
async function detectIn(image: RgbaImage, frame: Box, model: ModelRunner, opts: DetectorOptions): Promise<Detection[]> {
  // The detector was trained on frames stretched to 320x240 whatever their aspect; so is this.
  const map = rectToAffine(frame.x, frame.y, frame.width, frame.height, DETECT_WIDTH, DETECT_HEIGHT);
  const data = sampleToChw(image, map, DETECT_WIDTH, DETECT_HEIGHT, 'rgb', { mean: 127, scale: 128 });
  const out = await model.run({ data, dims: [1, 3, DETECT_HEIGHT, DETECT_WIDTH] }).finally(() => releaseBuffer(data));
  return decodeDetections(output(out, 'scores'), output(out, 'boxes'), image.width, image.height, opts, frame);
}

/** Border added per side for the second pass, as a share of the side: a face that fills the frame gets the context the detector's anchors expect. */
export const PAD_SHARE = 0.3;
/** Tiles per side for the third pass (overlapping by a quarter), for faces too small at 320 x 240. */
const TILES = 3;

/**
 * Overlapping tiles covering the image, each TILES-th of a side plus overlap. Only when a tile
 * still shrinks into the detector (otherwise the first pass saw as much detail).
 */
export function tiles(width: number, height: number): Box[] {
  const tw = Math.ceil((width / TILES) * 1.25), th = Math.ceil((height / TILES) * 1.25);
  if (tw <= DETECT_WIDTH && th <= DETECT_HEIGHT) return [];
  const at = (size: number, t: number, i: number): number => Math.round(((size - t) * i) / (TILES - 1));
  return [...Array(TILES * TILES).keys()].map((i) => ({ x: at(width, tw, i % TILES), y: at(height, th, Math.floor(i / TILES)), width: tw, height: th }));
}

/**
 * All faces in the image, largest first. When the first look finds none: again with a border
 * (frame-filling faces, the UTKFace kind), then in overlapping tiles (faces small in a large photo).
 */
export async function detectFaces(image: RgbaImage, model: ModelRunner, opts: DetectorOptions, passes: 1 | 2 | 3 = 3): Promise<Detection[]> {
  const { width: w, height: h } = image;
  let dets = await detectIn(image, { x: 0, y: 0, width: w, height: h }, model, opts);
  if (dets.length === 0 && passes >= 2) {
    dets = await detectIn(image, { x: -PAD_SHARE * w, y: -PAD_SHARE * h, width: w * (1 + 2 * PAD_SHARE), height: h * (1 + 2 * PAD_SHARE) }, model, opts);
  }
  if (dets.length === 0 && passes >= 3) {
    const found: Detection[] = [];
    for (const t of tiles(w, h)) found.push(...(await detectIn(image, t, model, opts)));
    dets = nms(found, opts.nmsIou);
  }
  return dets.sort((p, q) => q.box.width * q.box.height - p.box.width * p.box.height);
}
