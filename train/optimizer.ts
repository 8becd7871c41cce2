/**
 * @module Optimizer math, pure functions over flat Float32Array weights: AdamW (Adam with weight
 * decay decoupled from the gradient, Loshchilov & Hutter 2019), global-norm gradient clipping, and
 * a learning-rate schedule of linear warm-up then cosine decay. The state is plain arrays, so a
 * checkpoint is its bytes.
 */

export interface AdamConfig {
  beta1: number;
  beta2: number;
  eps: number;
  /** Decoupled decay per step, times the learning rate. Pulls toward `anchor` when given, else toward zero. */
  weightDecay: number;
}

export const defaultAdam: AdamConfig = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };

export interface AdamState {
  /** Steps taken (bias correction). */
  step: number;
  m: Float32Array[];
  v: Float32Array[];
}

export const adamState = (weights: readonly Float32Array[]): AdamState => ({
  step: 0, m: weights.map((w) => new Float32Array(w.length)), v: weights.map((w) => new Float32Array(w.length)),
});

/** Scales the gradients in place so their global L2 norm is at most `maxNorm`; returns the norm before. */
export function clipGlobalNorm(grads: readonly Float32Array[], maxNorm: number): number {
  let ss = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) ss += (g[i] as number) ** 2;
  const norm = Math.sqrt(ss);
  if (Number.isFinite(maxNorm) && norm > maxNorm) {
    const s = maxNorm / norm;
    for (const g of grads) for (let i = 0; i < g.length; i++) g[i] = (g[i] as number) * s;
  }
  return norm;
}

/**
 * One AdamW step in place. `anchor`: weights to decay toward (the pre-trained ones: fine-tuning
 * that forgets least, "L2-SP"); without it, decay toward zero.
 */
export function adamStep(weights: Float32Array[], grads: readonly Float32Array[], state: AdamState, cfg: AdamConfig, lr: number, anchor?: readonly Float32Array[]): void {
  state.step++;
  const c1 = 1 - cfg.beta1 ** state.step, c2 = 1 - cfg.beta2 ** state.step;
  weights.forEach((w, k) => {
    const g = grads[k] as Float32Array, m = state.m[k] as Float32Array, v = state.v[k] as Float32Array, a = anchor?.[k];
    for (let i = 0; i < w.length; i++) {
      const gi = g[i] as number;
      const mi = cfg.beta1 * (m[i] as number) + (1 - cfg.beta1) * gi;
      const vi = cfg.beta2 * (v[i] as number) + (1 - cfg.beta2) * gi * gi;
      m[i] = mi; v[i] = vi;
      const wi = w[i] as number;
      w[i] = wi - lr * ((mi / c1) / (Math.sqrt(vi / c2) + cfg.eps) + cfg.weightDecay * (wi - (a ? (a[i] as number) : 0)));
    }
  });
}

export interface Schedule {
  /** Peak learning rate. */
  lr: number;
  /** Steps of linear warm-up from 0 to `lr`. */
  warmup: number;
  /** Steps in all; the rate follows a half cosine from `lr` down to `minLr` after the warm-up. */
  total: number;
  minLr: number;
}

export function learningRate(s: Schedule, step: number): number {
  if (step < s.warmup) return (s.lr * (step + 1)) / s.warmup;
  const t = Math.min(1, (step - s.warmup) / Math.max(1, s.total - s.warmup));
  return s.minLr + 0.5 * (s.lr - s.minLr) * (1 + Math.cos(Math.PI * t));
}
