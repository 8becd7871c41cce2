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
  /** Budget in pixel units (8 = 8/255). */
  eps: number;
  steps?: number;
  /** Step size in pixel units; default eps / 4 (PGD) or eps / steps (MI-FGSM). */
  alpha?: number;
  randomStart?: boolean;
  /** MI-FGSM momentum decay; 0 is plain BIM/PGD. */
  decay?: number;
  /** Differentiable defense the attacker sees (adaptive); identity when it does not know it. */
  defense?: DifferentiableDefense;
  /** Defense draws per gradient (expectation over transformation). */
  samples?: number;
  rng?: () => number;
}

const clipInto = (x: Float32Array, clean: Float32Array, eps: number): void => {
  for (let j = 0; j < x.length; j++) {
    const c = clean[j] as number;
    x[j] = Math.min(255, Math.max(0, Math.min(c + eps, Math.max(c - eps, x[j] as number))));
  }
};

/** Iterated sign-gradient ascent; steps = 1 without random start and alpha = eps is FGSM. */
export async function linfAttack(obj: Objective, task: LinfTask, o: LinfOptions): Promise<Float32Array[]> {
  const steps = o.steps ?? 10;
  const decay = o.decay ?? 0;
  const alpha = o.alpha ?? (decay > 0 ? o.eps / steps : o.eps / 4);
  const rng = o.rng ?? Math.random;
  const x = task.faces.map((f) => {
    const a = f.slice();
    if (o.randomStart) for (let j = 0; j < a.length; j++) a[j] = (a[j] as number) + (2 * rng() - 1) * o.eps;
    clipInto(a, f, o.eps);
    return a;
  });
  const momentum = task.faces.map((f) => new Float32Array(f.length));
  for (let t = 0; t < steps; t++) {
    const { grad } = await obj.valueAndGrad(x, task.refs, task.sign, { defense: o.defense, samples: o.samples ?? 1, rng });
    x.forEach((xi, i) => {
      const gi = grad[i] as Float32Array, mi = momentum[i] as Float32Array;
      let l1 = 0;
      if (decay > 0) for (const v of gi) l1 += Math.abs(v);
      for (let j = 0; j < xi.length; j++) {
        const step = decay > 0 ? (mi[j] = decay * (mi[j] as number) + (gi[j] as number) / (l1 || 1)) : (gi[j] as number);
        xi[j] = (xi[j] as number) + alpha * Math.sign(step);
      }
      clipInto(xi, task.faces[i] as Float32Array, o.eps);
    });
  }
  return x;
}

export const fgsm = (obj: Objective, task: LinfTask, eps: number, extra: Partial<LinfOptions> = {}) =>
  linfAttack(obj, task, { ...extra, eps, steps: 1, alpha: eps, randomStart: false, decay: 0 });
export const pgd = (obj: Objective, task: LinfTask, eps: number, extra: Partial<LinfOptions> = {}) =>
  linfAttack(obj, task, { steps: 10, randomStart: true, ...extra, eps, decay: 0 });
export const bim = (obj: Objective, task: LinfTask, eps: number, extra: Partial<LinfOptions> = {}) =>
  linfAttack(obj, task, { steps: 10, ...extra, eps, randomStart: false, decay: 0 });
export const mifgsm = (obj: Objective, task: LinfTask, eps: number, extra: Partial<LinfOptions> = {}) =>
  linfAttack(obj, task, { steps: 10, ...extra, eps, randomStart: false, decay: 1 });
