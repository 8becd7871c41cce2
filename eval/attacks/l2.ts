/**
 * @module l_2 attacks on batches of faces (0-255 pixels): PGD-l2 (normalised-gradient steps,
 * projection onto the l2 ball) and Carlini-Wagner l2 (Adam in tanh space on ||delta||^2 +
 * c * hinge on the verification margin). Budgets are in pixel units over the 112x112 face:
 * eps = 255 is one unit of l2 in [0,1] image scale.
 */
import type { Objective } from './objective.ts';
import type { LinfTask } from './linf.ts';

const norm = (v: ArrayLike<number>): number => { let s = 0; for (let i = 0; i < v.length; i++) s += (v[i] as number) ** 2; return Math.sqrt(s); };

/** Moves x into the l2 ball of radius eps around clean, then into [0, 255]. */
function projectL2(x: Float32Array, clean: Float32Array, eps: number): void {
  const delta = x.map((v, j) => v - (clean[j] as number));
  const n = norm(delta);
  const k = n > eps ? eps / n : 1;
  for (let j = 0; j < x.length; j++) x[j] = Math.min(255, Math.max(0, (clean[j] as number) + k * (delta[j] as number)));
}

export interface L2Options { eps: number; steps?: number; alphaRatio?: number; randomStart?: boolean; rng?: () => number }

/** PGD in l2: steps of alpha * g / ||g|| (alpha = eps / 4 by default), from a random point of the ball. */
export async function pgdL2(obj: Objective, task: LinfTask, o: L2Options): Promise<Float32Array[]> {
  const steps = o.steps ?? 10, alpha = (o.alphaRatio ?? 1 / 4) * o.eps, rng = o.rng ?? Math.random;
  const x = task.faces.map((f) => {
    const a = f.slice();
    if (o.randomStart ?? true) {
      const dir = Float32Array.from(a, () => 2 * rng() - 1);
      const scale = (o.eps * rng()) / (norm(dir) || 1);
      for (let j = 0; j < a.length; j++) a[j] = (a[j] as number) + scale * (dir[j] as number);
    }
    projectL2(a, f, o.eps);
    return a;
  });
  for (let t = 0; t < steps; t++) {
    const { grad } = await obj.valueAndGrad(x, task.refs, task.sign);
    x.forEach((xi, i) => {
      const g = grad[i] as Float32Array, n = norm(g) || 1;
      for (let j = 0; j < xi.length; j++) xi[j] = (xi[j] as number) + (alpha * (g[j] as number)) / n;
      projectL2(xi, task.faces[i] as Float32Array, o.eps);
    });
  }
  return x;
}

export interface CwOptions {
  /** Similarity threshold the attack must cross (the bare recognizer's). */
  threshold: number;
  /** Weight of the margin term (RobFR / torchattacks default 1). */
  c?: number;
  /** Margin beyond the threshold, in cosine units. */
  kappa?: number;
  steps?: number;
  lr?: number;
}

/**
 * Carlini-Wagner l2, adapted to verification: minimise ||x - x0||^2 / 255^2 + c * max(0, kappa +
 * sign * t - J) with J = sign * cos (objective.ts), over w with x = 255 (tanh(w) + 1) / 2. Returns,
 * per face, the successful iterate with the smallest perturbation (the clean face if none).
 */
export async function cwL2(obj: Objective, task: LinfTask, o: CwOptions): Promise<Float32Array[]> {
  const c = o.c ?? 1, kappa = o.kappa ?? 0.05, steps = o.steps ?? 100, lr = o.lr ?? 0.01;
  const atanh = (v: number) => 0.5 * Math.log((1 + v) / (1 - v));
  const w = task.faces.map((f) => f.map((v) => atanh(Math.min(0.999999, Math.max(-0.999999, v / 127.5 - 1)))));
  const m = w.map((wi) => new Float32Array(wi.length)), v = w.map((wi) => new Float32Array(wi.length));
  const best = task.faces.map((f) => f.slice());
  const bestNorm = task.faces.map(() => Infinity);
  const b1 = 0.9, b2 = 0.999;
  for (let t = 1; t <= steps; t++) {
    const x = w.map((wi) => wi.map((z) => 127.5 * (Math.tanh(z) + 1)));
    const { value, grad } = await obj.valueAndGrad(x, task.refs, task.sign);
    x.forEach((xi, i) => {
      const clean = task.faces[i] as Float32Array, s = task.sign[i] as number, J = value[i] as number;
      const margin = kappa + s * o.threshold - J;
      const delta = norm(xi.map((val, j) => val - (clean[j] as number)));
      if (margin <= kappa && delta < (bestNorm[i] as number)) { bestNorm[i] = delta; best[i] = xi.slice(); }
      const wi = w[i] as Float32Array, mi = m[i] as Float32Array, vi = v[i] as Float32Array, gi = grad[i] as Float32Array;
      for (let j = 0; j < wi.length; j++) {
        const dxdw = 127.5 * (1 - Math.tanh(wi[j] as number) ** 2);
        const dLdx = (2 * ((xi[j] as number) - (clean[j] as number))) / 255 ** 2 - (margin > 0 ? c * (gi[j] as number) : 0);
        const g = dLdx * dxdw;
        mi[j] = b1 * (mi[j] as number) + (1 - b1) * g;
        vi[j] = b2 * (vi[j] as number) + (1 - b2) * g * g;
        wi[j] = (wi[j] as number) - (lr * ((mi[j] as number) / (1 - b1 ** t))) / (Math.sqrt((vi[j] as number) / (1 - b2 ** t)) + 1e-8);
      }
    });
  }
  return best;
}
