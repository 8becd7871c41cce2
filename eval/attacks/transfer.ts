/**
 * @module Transfer-oriented l_inf attacks: DI (input diversity, Xie et al. 2019: a random
 * resize-and-pad in front of the model at each step, differentiated exactly through its
 * bilinear weights) and TI (translation invariance, Dong et al. 2019: the gradient smoothed by
 * a Gaussian kernel), on top of MI-FGSM, as DI-TI-MI-FGSM combines them.
 */
import { FACE_PIXELS, type DifferentiableDefense, type Objective } from './objective.ts';
import { linfAttack, type LinfOptions, type LinfTask } from './linf.ts';
import { FACE_SIDE as SIDE, bilinearTap, convolveSeparable, gaussianWeights } from '../defenses/transforms.ts';

/**
 * With probability p, the face plane resized to s x s (s uniform in [minSide, SIDE]) and placed
 * at a random offset on a 0 (mid-gray) canvas; otherwise unchanged. Backward is the exact adjoint.
 */
export function inputDiversity(p = 0.5, minSide = 100): DifferentiableDefense {
  return (plane, rng) => {
    if (rng() >= p) return { plane, backward: (g) => g };
    const s = minSide + Math.floor(rng() * (SIDE - minSide + 1));
    const ox = Math.floor(rng() * (SIDE - s + 1)), oy = Math.floor(rng() * (SIDE - s + 1));
    const tx = Array.from({ length: s }, (_, o) => bilinearTap(o + 0.5, SIDE, s)), ty = tx;
    const out = new Float32Array(FACE_PIXELS);
    for (let y = 0; y < s; y++) {
      const [y0, y1, fy] = ty[y] as [number, number, number];
      for (let x = 0; x < s; x++) {
        const [x0, x1, fx] = tx[x] as [number, number, number];
        const top = (plane[y0 * SIDE + x0] as number) * (1 - fx) + (plane[y0 * SIDE + x1] as number) * fx;
        const bot = (plane[y1 * SIDE + x0] as number) * (1 - fx) + (plane[y1 * SIDE + x1] as number) * fx;
        out[(oy + y) * SIDE + ox + x] = top * (1 - fy) + bot * fy;
      }
    }
    return {
      plane: out,
      backward(g) {
        const back = new Float32Array(FACE_PIXELS);
        for (let y = 0; y < s; y++) {
          const [y0, y1, fy] = ty[y] as [number, number, number];
          for (let x = 0; x < s; x++) {
            const [x0, x1, fx] = tx[x] as [number, number, number];
            const v = g[(oy + y) * SIDE + ox + x] as number;
            back[y0 * SIDE + x0] = (back[y0 * SIDE + x0] as number) + v * (1 - fx) * (1 - fy);
            back[y0 * SIDE + x1] = (back[y0 * SIDE + x1] as number) + v * fx * (1 - fy);
            back[y1 * SIDE + x0] = (back[y1 * SIDE + x0] as number) + v * (1 - fx) * fy;
            back[y1 * SIDE + x1] = (back[y1 * SIDE + x1] as number) + v * fx * fy;
          }
        }
        return back;
      },
    };
  };
}

/** Separable Gaussian smoothing of a gradient (TI), edges zero-padded as a convolution would. */
export function gaussianSmoothing(radius = 3, sigma = 1.5): (g: Float32Array) => Float32Array {
  const w = gaussianWeights(sigma, radius);
  return (g) => convolveSeparable(g, w, 'zero');
}

/** DI-TI-MI-FGSM: momentum, input diversity and a smoothed gradient; 10 steps of eps/10. */
export const diTiMiFgsm = (obj: Objective, task: LinfTask, eps: LinfOptions['eps'], extra: Partial<LinfOptions> = {}) =>
  linfAttack(obj, task, { steps: 10, decay: 1, defense: inputDiversity(), smoothGrad: gaussianSmoothing(), ...extra, eps, randomStart: false });
