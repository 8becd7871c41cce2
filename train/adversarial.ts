/**
 * @module The inner maximisation of adversarial training: l_inf PGD on aligned face planes
 * (normalised gray, eval/attacks/objective.ts's toPlane units) through a differentiable defense
 * and the network at its current weights, ascending the training graph's own per-sample loss.
 * The loss graph gives dloss/dx in one onnxruntime run per step (no separate forward for the
 * cotangent); the defense is drawn afresh at every step (PIN: a new mask), so the perturbation
 * found is one that works across masks, which is what an adaptive attacker with EOT finds too.
 */
import { FEATURE_NORMALIZE, grayToInput } from '../src/pipeline/embed.ts';
import { planeGradient, type DefenseSample, type DifferentiableDefense } from '../eval/attacks/objective.ts';
import type { ParamGradientRunner } from '../eval/grad/session.ts';

/** The valid pixel range 0-255 in plane units. */
const LOW = -FEATURE_NORMALIZE.mean / FEATURE_NORMALIZE.scale;
const HIGH = (255 - FEATURE_NORMALIZE.mean) / FEATURE_NORMALIZE.scale;

export interface InnerAttack {
  /** l_inf budget in pixel units (8 = 8/255 of the 0-255 range). */
  eps: number;
  steps: number;
  /** Step size as a fraction of eps (Madry et al.: 2.5 / steps). */
  alphaRatio: number;
  rng: () => number;
  defense: DifferentiableDefense;
}

/** PGD from a random start inside the ball; returns the perturbed planes (the clean ones when eps is 0). */
export async function lossAscent(
  runner: ParamGradientRunner, weights: readonly Float32Array[], planes: readonly Float32Array[],
  extra: Readonly<Record<string, Float32Array>>, o: InnerAttack,
): Promise<Float32Array[]> {
  const eps = o.eps / FEATURE_NORMALIZE.scale, alpha = o.alphaRatio * eps, n = planes.length;
  const clip = (x: Float32Array, clean: Float32Array): void => {
    for (let j = 0; j < x.length; j++) {
      const c = clean[j] as number;
      x[j] = Math.min(HIGH, Math.max(LOW, Math.min(c + eps, Math.max(c - eps, x[j] as number))));
    }
  };
  const x = planes.map((p) => {
    const a = p.map((v) => v + (2 * o.rng() - 1) * eps);
    clip(a, p);
    return a;
  });
  if (eps === 0 || o.steps === 0) return x;
  const P = (planes[0] as Float32Array).length;
  const input = new Float32Array(n * 3 * P);
  const ascend = new Float32Array(n).fill(1);
  for (let t = 0; t < o.steps; t++) {
    const drawn: DefenseSample[] = [];
    for (const xi of x) drawn.push(await o.defense(xi, o.rng)); // in order: draws stay reproducible
    drawn.forEach((s, i) => grayToInput(s.plane, input, 3 * i * P));
    const { dx } = await runner.run(input, ascend, n, weights, extra, 'input-gradient');
    if (!dx) throw new Error('[pinface] [train] the attack runner needs the input gradient');
    x.forEach((xi, i) => {
      const back = (drawn[i] as DefenseSample).backward(planeGradient(dx, i, P));
      for (let j = 0; j < P; j++) xi[j] = (xi[j] as number) + alpha * Math.sign(back[j] as number);
      clip(xi, planes[i] as Float32Array);
    });
  }
  return x;
}
