/**
 * @module Selectors: per-component keep probabilities over the eigenface coefficients of one
 * face, and the Bernoulli mask drawn from them (PIN: keep k iff p_k > u_k, u ~ U(0,1)).
 */
import { uniform } from './rng.ts';
import type { SelectorNet } from './selector-file.ts';

export const DEFENSE_MODES = ['none', 'topk', 'pin-threshold', 'pin-learned'] as const;
export type DefenseMode = typeof DEFENSE_MODES[number];

/** The modes whose masks are Bernoulli draws (seeded, replayable); topk and none never draw. */
export const drawsMasks = (mode: DefenseMode): boolean => mode === 'pin-threshold' || mode === 'pin-learned';

export interface SelectorInput {
  /** y = E^T (x - mu), one per component. */
  coeffs: Float32Array;
  /** ||x||^2 of the face as given (normalised pixels), for the noise level. */
  inputEnergy: number;
  /** Pixels per face (D). */
  d: number;
}

export type Selector = (input: SelectorInput) => Float32Array;

/** Ablation baseline: the first k components, no selection. */
export const topk = (k: number): Selector => ({ coeffs }) => coeffs.map((_, i) => (i < k ? 1 : 0));

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 via erf, |error| < 1.5e-7). */
const phi = (z: number): number => {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
};

export interface ThresholdOptions {
  /** The paper's sparsity weight (per kept component, against the mean-over-pixels error). */
  lambda: number;
  /** Noise level the paper trains against: ||n|| = noise * ||x||. */
  noise: number;
}

/**
 * PIN's objective per component, in closed form. With orthonormal E the expected cost of a
 * mask is (1/D)(sum_{k in S} n_k^2 + sum_{k not in S} c_k^2) + lambda |S|, so keeping k pays iff
 * c_k^2 - n_k^2 > lambda D. We only see y_k = c_k + n_k; with Gaussian noise of variance
 * s^2 = (noise ||x||)^2 / D per component and a flat prior, c_k ~ N(y_k, s^2), and
 * p_k = P(c_k^2 > lambda D + s^2) = Phi((|y_k| - t) / s) + Phi((-|y_k| - t) / s), t = sqrt(lambda D + s^2).
 */
export const pinThreshold = ({ lambda, noise }: ThresholdOptions): Selector => ({ coeffs, inputEnergy, d }) => {
  const s2 = (noise * noise * inputEnergy) / d;
  const s = Math.sqrt(s2);
  const t = Math.sqrt(lambda * d + s2);
  return coeffs.map((y) => {
    const a = Math.abs(y);
    return s > 0 ? phi((a - t) / s) + phi((-a - t) / s) : a > t ? 1 : 0;
  });
};

/** The learned selector's inputs: coefficients in noise units, squashed, and the closed-form margin. */
export interface LearnedFeatures {
  /** sign(u) log(1 + |u|), u = y / s, zero-padded to the net's kp. */
  input: Float32Array;
  /** |u| - tau, tau = sqrt(lambda D / s^2 + 1): positive where pin-threshold would keep the component. */
  margin: Float32Array;
}

export function learnedFeatures({ coeffs, inputEnergy, d }: SelectorInput, { lambda, noise, kp }: { lambda: number; noise: number; kp: number }): LearnedFeatures {
  const s = Math.sqrt((noise * noise * inputEnergy) / d) || 1e-12;
  const tau = Math.sqrt((lambda * d) / (s * s) + 1);
  const input = new Float32Array(kp);
  const margin = new Float32Array(coeffs.length);
  for (let k = 0; k < coeffs.length; k++) {
    const u = (coeffs[k] as number) / s;
    input[k] = Math.sign(u) * Math.log1p(Math.abs(u));
    margin[k] = Math.abs(u) - tau;
  }
  return { input, margin };
}

/** The net's two dense products, W1 x and W2 h: plain TS here, the SIMD kernel on the edge (kernelDense in project.ts). */
export interface DenseLayers {
  layer1(input: Float32Array): Float32Array;
  layer2(hidden: Float32Array): Float32Array;
}

export function plainDense(net: SelectorNet): DenseLayers {
  const mv = (w: Float32Array, x: Float32Array, rows: number, cols: number) => {
    const out = new Float32Array(rows);
    for (let r = 0; r < rows; r++) {
      let acc = 0;
      for (let c = 0; c < cols; c++) acc += (w[r * cols + c] as number) * (x[c] as number);
      out[r] = acc;
    }
    return out;
  };
  return { layer1: (x) => mv(net.w1, x, net.hidden, net.kp), layer2: (h) => mv(net.w2, h, net.k, net.hidden) };
}

/**
 * PIN's learned selector: p = sigmoid(alpha * margin + W2 relu(W1 input + b1) + bias).
 * The margin term is the closed form's decision, so a zero W2 starts from pin-threshold; the
 * hidden layer learns how the coefficients of a face inform each other.
 */
export const pinLearned = (net: SelectorNet, dense: DenseLayers = plainDense(net)): Selector => (input) => {
  const { input: x, margin } = learnedFeatures(input, net);
  const h = dense.layer1(x);
  for (let j = 0; j < net.hidden; j++) h[j] = Math.max(0, (h[j] as number) + (net.b1[j] as number));
  const z = dense.layer2(h);
  return z.map((v, k) => 1 / (1 + Math.exp(-((net.alpha[k] as number) * (margin[k] as number) + v + (net.bias[k] as number)))));
};

/** Bernoulli draw (seeded) or, when deterministic, keep iff p >= 1/2. */
export function sampleMask(p: Float32Array, seed: number | undefined): Uint8Array {
  const mask = new Uint8Array(p.length);
  if (seed === undefined) {
    for (let i = 0; i < p.length; i++) mask[i] = (p[i] as number) >= 0.5 ? 1 : 0;
    return mask;
  }
  const u = uniform(seed);
  for (let i = 0; i < p.length; i++) mask[i] = (p[i] as number) > u() ? 1 : 0;
  return mask;
}
