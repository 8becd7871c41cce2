/**
 * @module PIN as the attack lab sees it: the product's projector (src/immune/project.ts) as a
 * differentiable defense. For a drawn mask S the map x -> mu + E_S E_S^T (x - mu) is linear with
 * a symmetric Jacobian, so its backward pass is the same projection without the mean: E_S E_S^T g.
 * The mask is drawn from the keep probabilities at the current input and then held fixed,
 * which is what expectation-over-transformation attacks differentiate.
 */
import type { Projector } from '../../src/immune/project.ts';
import type { DefenseMode } from '../../src/immune/selectors.ts';
import type { ImmuneSpace } from '../../src/immune/space-file.ts';
import type { Kernel } from '../../src/wasm/kernel.ts';
import type { DifferentiableDefense } from '../attacks/objective.ts';

export function pinDefense(project: Projector, kernel: Kernel, space: ImmuneSpace, mode: Exclude<DefenseMode, 'none'>, opts: { deterministic?: boolean } = {}): DifferentiableDefense {
  const basis = kernel.loadBasis(space.mean, space.basis, space.format, space.k, space.scales);
  const y = new Float32Array(space.k);
  return (plane, rng) => {
    const seed = Math.floor(rng() * 2 ** 32);
    const { input, mask } = project(plane, { mode, deterministic: opts.deterministic ?? false, seed });
    if (!mask) throw new Error('[pinface] [eval] the projector drew no mask');
    return {
      plane: input.subarray(0, space.d),
      backward(g) {
        // E_S E_S^T g through the kernel, which centres and re-adds the mean: feed g + mu, subtract mu.
        const shifted = g.map((v, j) => v + (space.mean[j] as number));
        kernel.coefficients(basis, shifted, y);
        const out = new Float32Array(space.d);
        kernel.reconstruct(basis, y, mask, out);
        for (let j = 0; j < out.length; j++) out[j] = (out[j] as number) - (space.mean[j] as number);
        return out;
      },
    };
  };
}
