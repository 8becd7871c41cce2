import { describe, expect, it } from 'vitest';
import { ALIGNED_SIZE, ARCFACE_TEMPLATE } from '../../src/pipeline/align.ts';
import type { Point } from '../../src/pipeline/landmarks.ts';
import { cropSignals, faceQuality, poseFromLandmarks, QUALITY_BOUNDS, qualityShortfalls } from '../../src/pipeline/quality.ts';
import { prng } from '../helpers/images.ts';

const norm = { mean: 127, scale: 128 };
const turn = (pts: readonly Point[], deg: number): Point[] => {
  const a = (deg * Math.PI) / 180, c = Math.cos(a), s = Math.sin(a);
  return pts.map(([x, y]) => [c * x - s * y + 10, s * x + c * y - 4]);
};
const plane = (f: (x: number, y: number) => number): Float32Array =>
  Float32Array.from({ length: ALIGNED_SIZE * ALIGNED_SIZE }, (_, i) => (f(i % ALIGNED_SIZE, Math.floor(i / ALIGNED_SIZE)) - norm.mean) / norm.scale);

describe('face quality signals', () => {
  it('reads a frontal pose off the alignment template, whatever its roll', () => {
    for (const roll of [0, 25, -40]) {
      const p = poseFromLandmarks(turn(ARCFACE_TEMPLATE, roll));
      expect(p.roll).toBeCloseTo(roll + (Math.atan2(ARCFACE_TEMPLATE[1]![1] - ARCFACE_TEMPLATE[0]![1], 35.2) * 180) / Math.PI, 0);
      expect(Math.abs(p.yaw)).toBeLessThan(3);
      expect(Math.abs(p.pitch)).toBeLessThan(1);
    }
  });

  it('signs yaw by the side the nose moves to, pitch by how far it drops', () => {
    const moved = (dx: number, dy: number): Point[] => ARCFACE_TEMPLATE.map(([x, y], i) => (i === 2 ? [x + dx, y + dy] : [x, y]));
    expect(poseFromLandmarks(moved(10, 0)).yaw).toBeGreaterThan(25);
    expect(poseFromLandmarks(moved(-10, 0)).yaw).toBeLessThan(-25);
    expect(poseFromLandmarks(moved(0, 12)).pitch).toBeGreaterThan(25);
    expect(poseFromLandmarks(moved(0, -12)).pitch).toBeLessThan(-25);
  });

  it('scores texture as sharp, a smooth gradient as blurry, and counts clipped pixels', () => {
    const next = prng(3);
    const sharp = cropSignals(plane(() => 60 + next() * 120), norm);
    const smooth = cropSignals(plane((x, y) => 60 + x + y / 2), norm);
    expect(sharp.sharpness).toBeGreaterThan(QUALITY_BOUNDS.high.minSharpness);
    expect(smooth.sharpness).toBeLessThan(1);
    const half = cropSignals(plane((x) => (x < 56 ? 255 : 0)), norm);
    expect(half.clipped).toBeCloseTo(0.5, 2);
    expect(half.brightness).toBeCloseTo(127.5, 0);
  });

  it('lists every shortfall of a level by name, none for level none', () => {
    const q = faceQuality({ x: 0, y: 0, width: 30, height: 40 }, ARCFACE_TEMPLATE, plane((x) => (x < 110 ? 0 : 255)), norm, 20);
    expect(qualityShortfalls(q, 'none')).toEqual([]);
    const names = qualityShortfalls(q, 'medium').map((r) => r.slice(0, r.indexOf(':')));
    expect(names).toEqual(expect.arrayContaining(['face_too_small', 'too_dark']));
    expect(names).not.toContain('turned');
  });
});
