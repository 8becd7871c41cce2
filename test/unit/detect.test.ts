import { describe, expect, it } from 'vitest';
import { defaultDetectorOptions } from '../../src/config.ts';
import { decodeDetections, nms } from '../../src/pipeline/detect.ts';

describe('detector decoding', () => {
  it('keeps the best of overlapping boxes and distinct faces', () => {
    const dets = [
      { box: { x: 10, y: 10, width: 50, height: 50 }, score: 0.9 },
      { box: { x: 12, y: 11, width: 50, height: 50 }, score: 0.95 },
      { box: { x: 200, y: 10, width: 40, height: 40 }, score: 0.8 },
    ];
    const kept = nms(dets, 0.4);
    expect(kept.map((d) => d.score)).toEqual([0.95, 0.8]);
  });

  it('thresholds scores, scales to pixels, clips and drops tiny boxes', () => {
    // anchors: [bg, face] scores and corner boxes in [0,1]
    const scores = new Float32Array([0.1, 0.9, 0.5, 0.5, 0.2, 0.8]);
    const boxes = new Float32Array([-0.1, 0.1, 0.5, 0.6, 0.1, 0.1, 0.4, 0.4, 0.5, 0.5, 0.51, 0.51]);
    const out = decodeDetections(scores, boxes, 200, 100, defaultDetectorOptions);
    expect(out).toHaveLength(1);
    expect(out[0]?.box).toEqual({ x: 0, y: expect.closeTo(10, 4), width: 100, height: expect.closeTo(50, 4) });
  });
});
