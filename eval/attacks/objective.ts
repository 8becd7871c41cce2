/**
 * @module Attack objective: feature-space losses on the recognizer, as RobFR states them.
 * Faces are aligned grayscale 112x112 in 0-255 pixels (the input of the product's defense
 * slot); the recognizer sees (v - 127) / 128 repeated to three planes. For a pair (x, ref),
 * J(x) = sign * cos(f(x), ref): sign -1 for dodging (push a genuine pair apart), +1 for
 * impersonation (pull an impostor pair together). Attacks ascend J.
 */
import { FEATURE_NORMALIZE, grayToInput } from '../../src/pipeline/embed.ts';
import type { GradientRunner } from '../grad/session.ts';

export const FACE_PIXELS = 112 * 112;

/**
 * A differentiable input map in front of the recognizer, sampled per evaluation: `plane` is
 * what the recognizer sees (normalised pixels) and `backward` the transpose of the map's
 * Jacobian at that sample. For PIN with a fixed mask the map is linear: backward = E_S E_S^T.
 */
export interface DefenseSample { plane: Float32Array; backward(grad: Float32Array): Float32Array }
export type DifferentiableDefense = (plane: Float32Array, rng: () => number) => DefenseSample | Promise<DefenseSample>;

export const identityDefense: DifferentiableDefense = (plane) => ({ plane, backward: (g) => g });

/** The gradient on the gray plane of face k of a batch: the recognizer's input repeats the plane three times, so its three gradients add. */
export function planeGradient(dx: Float32Array, k: number, P = FACE_PIXELS): Float32Array {
  const g = new Float32Array(P);
  for (let c = 0; c < 3; c++) for (let j = 0; j < P; j++) g[j] = (g[j] as number) + (dx[(3 * k + c) * P + j] as number);
  return g;
}

export const toPlane = (face: Float32Array): Float32Array => face.map((v) => (v - FEATURE_NORMALIZE.mean) / FEATURE_NORMALIZE.scale);
/** The inverse of toPlane: normalised pixels back to 0-255. */
export const fromPlane = (plane: Float32Array): Float32Array => plane.map((v) => v * FEATURE_NORMALIZE.scale + FEATURE_NORMALIZE.mean);

const l2 = (v: Float32Array): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

export interface Objective {
  /** L2-normalised embeddings of faces seen through `defense` (one sample each). */
  embed(faces: Float32Array[], defense?: DifferentiableDefense, rng?: () => number): Promise<Float32Array[]>;
  /**
   * J and dJ/dx (pixel units) per face. With `samples` > 1 the gradient is the average over
   * that many draws of the defense (expectation over transformation); J is averaged too.
   */
  valueAndGrad(faces: Float32Array[], refs: Float32Array[], sign: number[], opts?: { defense?: DifferentiableDefense; samples?: number; rng?: () => number }): Promise<{ value: number[]; grad: Float32Array[] }>;
}

/**
 * Faces per onnxruntime run: the VJP graph keeps every activation for the backward pass, about
 * 34 MB per face here, so EOT over many draws of many pairs must not go in as one batch.
 */
const MAX_BATCH = 64;

export function objective(recognizer: GradientRunner): Objective {
  const P = FACE_PIXELS;
  const batchInput = (planes: Float32Array[]): Float32Array => {
    const x = new Float32Array(planes.length * 3 * P);
    planes.forEach((p, i) => grayToInput(p, x, 3 * i * P));
    return x;
  };
  const D = recognizer.outputSize;
  /** f over planes, MAX_BATCH at a time. */
  const forward = async (planes: Float32Array[]): Promise<Float32Array> => {
    const y = new Float32Array(planes.length * D);
    for (let s = 0; s < planes.length; s += MAX_BATCH) {
      const part = planes.slice(s, s + MAX_BATCH);
      y.set(await recognizer.forward(batchInput(part), part.length), s * D);
    }
    return y;
  };
  /** d<g, f>/dx over planes, MAX_BATCH at a time. */
  const vjp = async (planes: Float32Array[], g: Float32Array): Promise<Float32Array> => {
    const dx = new Float32Array(planes.length * 3 * P);
    for (let s = 0; s < planes.length; s += MAX_BATCH) {
      const part = planes.slice(s, s + MAX_BATCH);
      dx.set((await recognizer.run(batchInput(part), g.subarray(s * D, (s + part.length) * D), part.length)).dx, s * 3 * P);
    }
    return dx;
  };
  return {
    async embed(faces, defense = identityDefense, rng = Math.random) {
      const planes: Float32Array[] = [];
      for (const f of faces) planes.push((await defense(toPlane(f), rng)).plane); // in order: rng draws stay reproducible
      const y = await forward(planes);
      return faces.map((_, i) => { const r = y.slice(i * D, (i + 1) * D); const n = l2(r); return r.map((v) => v / n); });
    },
    async valueAndGrad(faces, refs, sign, { defense = identityDefense, samples = 1, rng = Math.random } = {}) {
      const draws: Array<{ i: number; s: DefenseSample }> = [];
      for (const [i, f] of faces.entries()) {
        const plane = toPlane(f);
        for (let k = 0; k < samples; k++) draws.push({ i, s: await defense(plane, rng) });
      }
      const n = draws.length;
      // Forward once to get the cotangents of J, then the VJP.
      const raw = await forward(draws.map((d) => d.s.plane));
      const g = new Float32Array(n * D);
      const value = new Array<number>(faces.length).fill(0);
      draws.forEach(({ i }, k) => {
        const r = raw.subarray(k * D, (k + 1) * D), ref = refs[i] as Float32Array;
        const norm = l2(r);
        let cos = 0;
        for (let j = 0; j < D; j++) cos += ((r[j] as number) / norm) * (ref[j] as number);
        value[i] = (value[i] as number) + ((sign[i] as number) * cos) / samples;
        // d cos(r/|r|, ref)/dr = (ref - cos * r/|r|) / |r|
        for (let j = 0; j < D; j++) g[k * D + j] = ((sign[i] as number) * ((ref[j] as number) - (cos * (r[j] as number)) / norm)) / norm;
      });
      const dx = await vjp(draws.map((d) => d.s.plane), g);
      const grad = faces.map(() => new Float32Array(P));
      draws.forEach(({ i, s }, k) => {
        const back = s.backward(planeGradient(dx, k, P));
        const out = grad[i] as Float32Array;
        for (let j = 0; j < P; j++) out[j] = (out[j] as number) + (back[j] as number) / (FEATURE_NORMALIZE.scale * samples);
      });
      return { value, grad };
    },
  };
}
