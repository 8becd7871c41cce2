/**
 * @module APGD (Croce & Hein 2020, "Reliable evaluation of adversarial robustness with an
 * ensemble of diverse parameter-free attacks"), l_inf, for verification pairs. The step size
 * starts at 2 eps and halves at checkpoints where the objective stopped improving, with
 * momentum 0.75, from the best point found; random restarts keep each pair's best run.
 *
 * The loss is the margin to the decision: m = sign * (cos - threshold), positive once the pair is
 * decided wrongly (sign -1 dodging, +1 impersonation). It has the cosine's gradient, but it says
 * when to stop (a pair whose margin is positive is done) and which restart won. With a random
 * defense each step averages `samples` draws (EOT), and the margin that picks the best point is
 * that average, not one lucky draw.
 */
import type { DifferentiableDefense, Objective } from './objective.ts';
import { clipInto, type LinfTask } from './linf.ts';

export interface ApgdOptions {
  /** Budget in pixel units (8 = 8/255), one for all pairs or one per pair. */
  eps: number | number[];
  /** Per pair, the decision threshold on the cosine. */
  threshold: number;
  iterations?: number;
  restarts?: number;
  defense?: DifferentiableDefense;
  samples?: number;
  rng: () => number;
  /** Stop a pair once its averaged margin exceeds this (default 0: decided wrongly). */
  stopAbove?: number;
}

export interface ApgdResult { faces: Float32Array[]; margin: number[] }

/** The checkpoints of APGD: p_0 = 0, p_1 = 0.22, p_{j+1} = p_j + max(p_j - p_{j-1} - 0.03, 0.06). */
export function checkpoints(iterations: number): number[] {
  const p = [0, 0.22];
  while ((p[p.length - 1] as number) < 1) {
    const a = p[p.length - 1] as number, b = p[p.length - 2] as number;
    p.push(a + Math.max(a - b - 0.03, 0.06));
  }
  // The 1e-9 keeps float sums such as 0.22 + 0.19 from rounding up past their checkpoint.
  return [...new Set(p.filter((v) => v <= 1).map((v) => Math.ceil(v * iterations - 1e-9)))].filter((w) => w > 0);
}

export async function apgd(obj: Objective, task: LinfTask, o: ApgdOptions): Promise<ApgdResult> {
  const n = task.faces.length, N = o.iterations ?? 50, restarts = o.restarts ?? 1, stop = o.stopAbove ?? 0;
  const epsOf = (i: number): number => (typeof o.eps === 'number' ? o.eps : (o.eps[i] as number));
  const marginOf = (value: number, i: number): number => value - (task.sign[i] as number) * o.threshold;
  const bestFaces = task.faces.map((f) => f.slice());
  const bestMargin = new Array<number>(n).fill(-Infinity);
  const marks = new Set(checkpoints(N));
  const evaluate = async (idx: number[], xs: Float32Array[]) => obj.valueAndGrad(xs, idx.map((i) => task.refs[i] as Float32Array), idx.map((i) => task.sign[i] as number), { defense: o.defense, samples: o.samples ?? 1, rng: o.rng });
  for (let r = 0; r < restarts; r++) {
    const active = Array.from({ length: n }, (_, i) => i).filter((i) => (bestMargin[i] as number) <= stop && epsOf(i) > 0);
    if (!active.length) break;
    // Per active pair: the iterate, the previous one, the best one, the step size and the checkpoint counters.
    const st = active.map((i) => {
      const clean = task.faces[i] as Float32Array, eps = epsOf(i);
      const x: Float32Array = clean.slice();
      if (r > 0) for (let j = 0; j < x.length; j++) x[j] = (x[j] as number) + (2 * o.rng() - 1) * eps;
      clipInto(x, clean, eps);
      return { i, x, prev: x.slice() as Float32Array, best: x.slice(), bestGrad: new Float32Array(0) as Float32Array, bestValue: -Infinity, eta: 2 * eps, grad: new Float32Array(0) as Float32Array, value: -Infinity, increases: 0, lastMarkBest: -Infinity, lastMarkEta: 2 * eps, done: false };
    });
    let lastMark = 0;
    {
      const { value, grad } = await evaluate(st.map((s) => s.i), st.map((s) => s.x));
      st.forEach((s, k) => { s.value = value[k] as number; s.grad = grad[k] as Float32Array; s.best.set(s.x); s.bestGrad = s.grad; s.bestValue = s.value; s.lastMarkBest = s.value; });
    }
    for (let t = 0; t < N; t++) {
      const live = st.filter((s) => !s.done);
      if (!live.length) break;
      const next = live.map((s) => {
        const clean = task.faces[s.i] as Float32Array, eps = epsOf(s.i);
        const z = s.x.map((v, j) => v + s.eta * Math.sign(s.grad[j] as number));
        clipInto(z, clean, eps);
        const a = t === 0 ? 1 : 0.75;
        const x = s.x.map((v, j) => v + a * ((z[j] as number) - v) + (1 - a) * (v - (s.prev[j] as number)));
        clipInto(x, clean, eps);
        return x;
      });
      const { value, grad } = await evaluate(live.map((s) => s.i), next);
      live.forEach((s, k) => {
        s.prev = s.x; s.x = next[k] as Float32Array; s.grad = grad[k] as Float32Array;
        const v = value[k] as number;
        if (v > s.value) s.increases++;
        s.value = v;
        if (v > s.bestValue) { s.bestValue = v; s.best.set(s.x); s.bestGrad = s.grad; }
        if (marginOf(s.bestValue, s.i) > stop) s.done = true;
      });
      if (marks.has(t + 1)) {
        const since = t + 1 - lastMark;
        for (const s of live) {
          const tooFew = s.increases < 0.75 * since;
          const stalled = s.lastMarkEta === s.eta && s.lastMarkBest === s.bestValue;
          s.lastMarkEta = s.eta; s.lastMarkBest = s.bestValue; s.increases = 0;
          // Halve the step and restart from the best point, with its gradient.
          if (tooFew || stalled) { s.eta /= 2; s.x = s.best.slice(); s.prev = s.x.slice(); s.grad = s.bestGrad; }
        }
        lastMark = t + 1;
      }
    }
    for (const s of st) {
      const m = marginOf(s.bestValue, s.i);
      if (m > (bestMargin[s.i] as number)) { bestMargin[s.i] = m; bestFaces[s.i] = s.best; }
    }
  }
  return { faces: bestFaces, margin: bestMargin };
}
