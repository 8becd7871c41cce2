/**
 * @module l_inf gradient attacks on batches of faces (0-255 pixels): FGSM, BIM / PGD and
 * MI-FGSM, stepping on the sign of dJ/dx (eval/attacks/objective.ts) and projecting back into
 * the eps-ball around the clean face and the valid pixel range. Defaults follow the libraries
 * RobFR and torchattacks use: PGD 10 steps of eps/4 from a random start, MI-FGSM decay 1.0.
 */
import type { DifferentiableDefense, Objective } from './objective.ts';

export interface LinfTask {
  faces: Float32Array[];
  refs: Float32Array[];
  /** -1 dodging, +1 impersonation, per face. */
  sign: number[];
}

export interface LinfOptions {
  /** Budget in pixel units (8 = 8/255), one for all faces or one per face. */
  eps: number | number[];
  steps?: number;
  /** Step size as a fraction of each face's eps; default 1/4 (PGD) or 1/steps (MI-FGSM). */
  alphaRatio?: number;
  randomStart?: boolean;
  /** MI-FGSM momentum decay; 0 is plain BIM/PGD. */
  decay?: number;
  /** Differentiable defense the attacker sees (adaptive); identity when it does not know it. */
  defense?: DifferentiableDefense;
  /** Defense draws per gradient (expectation over transformation). */
  samples?: number;
  rng?: () => number;
  /** Applied to each gradient before the step (TI's smoothing). */
  smoothGrad?: (g: Float32Array) => Float32Array;
}

/** Projects x into the l_inf ball of radius eps around clean and the 0-255 pixel range, in place. */
export const clipInto = (x: Float32Array, clean: Float32Array, eps: number): void => {
  for (let j = 0; j < x.length; j++) {
    const c = clean[j] as number;
    x[j] = Math.min(255, Math.max(0, Math.min(c + eps, Math.max(c - eps, x[j] as number))));
  }
};

/** Iterated sign-gradient ascent; one step of eps without random start is FGSM. */
export async function linfAttack(obj: Objective, task: LinfTask, o: LinfOptions): Promise<Float32Array[]> {
  const steps = o.steps ?? 10;
  const decay = o.decay ?? 0;
  const ratio = o.alphaRatio ?? (decay > 0 ? 1 / steps : 1 / 4);
  const epsOf = (i: number): number => (typeof o.eps === 'number' ? o.eps : (o.eps[i] as number));
  const rng = o.rng ?? Math.random;
  const x = task.faces.map((f, i) => {
    const a = f.slice();
    if (o.randomStart) for (let j = 0; j < a.length; j++) a[j] = (a[j] as number) + (2 * rng() - 1) * epsOf(i);
    clipInto(a, f, epsOf(i));
    return a;
  });
  const momentum = task.faces.map((f) => new Float32Array(f.length));
  for (let t = 0; t < steps; t++) {
    const { grad } = await obj.valueAndGrad(x, task.refs, task.sign, { defense: o.defense, samples: o.samples ?? 1, rng });
    x.forEach((xi, i) => {
      const gi = o.smoothGrad ? o.smoothGrad(grad[i] as Float32Array) : (grad[i] as Float32Array);
      const mi = momentum[i] as Float32Array, alpha = ratio * epsOf(i);
      let l1 = 0;
      if (decay > 0) for (const v of gi) l1 += Math.abs(v);
      for (let j = 0; j < xi.length; j++) {
        const step = decay > 0 ? (mi[j] = decay * (mi[j] as number) + (gi[j] as number) / (l1 || 1)) : (gi[j] as number);
        xi[j] = (xi[j] as number) + alpha * Math.sign(step);
      }
      clipInto(xi, task.faces[i] as Float32Array, epsOf(i));
    });
  }
  return x;
}

type Budget = LinfOptions['eps'];
export const fgsm = (obj: Objective, task: LinfTask, eps: Budget, extra: Partial<LinfOptions> = {}) =>
  linfAttack(obj, task, { ...extra, eps, steps: 1, alphaRatio: 1, randomStart: false, decay: 0 });
export const pgd = (obj: Objective, task: LinfTask, eps: Budget, extra: Partial<LinfOptions> = {}) =>
  linfAttack(obj, task, { steps: 10, randomStart: true, ...extra, eps, decay: 0 });
export const bim = (obj: Objective, task: LinfTask, eps: Budget, extra: Partial<LinfOptions> = {}) =>
  linfAttack(obj, task, { steps: 10, ...extra, eps, randomStart: false, decay: 0 });
export const mifgsm = (obj: Objective, task: LinfTask, eps: Budget, extra: Partial<LinfOptions> = {}) =>
  linfAttack(obj, task, { steps: 10, ...extra, eps, randomStart: false, decay: 1 });
