/**
 * @module The defenses the attack lab compares, all in the same slot (aligned gray face ->
 * defense -> recognizer) and all differentiable to the attacker: PIN and topk exactly (linear
 * for a drawn mask), the input-transform baselines by BPDA (Athalye et al. 2018: the transform
 * in the forward pass, identity in the backward pass), which is how adaptive attacks beat them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeKernel } from '../../scripts/lib/node-kernel.ts';
import { repoRoot, shippedSelector } from '../../scripts/lib/node-models.ts';
import { defaultDefense } from '../../src/config.ts';
import { createProjector } from '../../src/immune/project.ts';
import { parseSpace } from '../../src/immune/space-file.ts';
import { parseSelector } from '../../src/immune/selector-file.ts';
import { fromPlane, identityDefense, toPlane, type DifferentiableDefense, type Objective } from '../attacks/objective.ts';
import { pinDefense } from './pin.ts';
import { bitDepth, gaussianBlur, jpeg, median3, nodeJpegCodec, randomResizePad, type FaceTransform } from './transforms.ts';

export interface EvalDefense {
  name: string;
  /** What it is, for the report. */
  label: string;
  defense: DifferentiableDefense;
  /** The recognizer behind the defense, as the service pairs them: the projection-aware one after a projection. */
  recognizer: Objective;
  /** Draws randomness per call (masks, resize): adaptive attacks average over draws. */
  random: boolean;
}

const bpda = (t: FaceTransform): DifferentiableDefense => async (plane, rng) => {
  return { plane: toPlane(await t(fromPlane(plane), rng)), backward: (g) => g };
};

export const DEFENSE_NAMES = ['none', 'pin-threshold', 'pin-learned', 'topk', 'jpeg-75', 'jpeg-50', 'bit-depth-4', 'median-3', 'gaussian-blur-1', 'resize-pad'] as const;
/** A PIN selector at another sparsity weight than the shipped one, for the lambda sweep: `pin-threshold@3e-6`. */
export type SweepName = `${'pin-threshold' | 'pin-learned'}@${string}`;
export type DefenseName = typeof DEFENSE_NAMES[number] | SweepName;

/** Where the sweep keeps a selector trained at `lambda` (npm run train:selector -- --lambda L --out <this>). */
export const sweepSelectorPath = (lambda: number): string => join(repoRoot, '.cache', 'selector', 'sweep', `pin-selector-${lambda}.bin`);

/** The recognizers the defenses feed: `projecting` behind PIN and topk (the projection-aware one when the build has it), `clean` behind the rest. */
export interface EvalRecognizers { clean: Objective; projecting: Objective }

/** `spacePath`: a candidate immune space instead of the shipped one (the learned selector joins only when trained for its size). */
export async function evalDefenses(names: readonly DefenseName[], recognizers: EvalRecognizers, spacePath = join(repoRoot, 'models', 'immune-space.bin')): Promise<EvalDefense[]> {
  const { clean, projecting } = recognizers;
  const space = parseSpace(new Uint8Array(readFileSync(spacePath)));
  const kernel = await nodeKernel();
  const selector = shippedSelector(space.k);
  const project = createProjector(kernel, space, defaultDefense, selector);
  const codec = await nodeJpegCodec();
  const all: Record<DefenseName, () => EvalDefense> = {
    none: () => ({ name: 'none', label: 'no defense', defense: identityDefense, recognizer: clean, random: false }),
    'pin-threshold': () => ({ name: 'pin-threshold', label: `PIN, closed-form selector (K = ${space.k}, lambda ${defaultDefense.lambda})`, defense: pinDefense(project, kernel, space, 'pin-threshold'), recognizer: projecting, random: true }),
    'pin-learned': () => {
      if (!selector) throw new Error('[pinface] [eval] pin-learned needs models/pin-selector.bin (npm run train:selector)');
      return { name: 'pin-learned', label: `PIN, learned selector (hidden ${selector.hidden}, lambda ${selector.lambda.toPrecision(2)})`, defense: pinDefense(project, kernel, space, 'pin-learned'), recognizer: projecting, random: true };
    },
    topk: () => ({ name: 'topk', label: `projection on all ${space.k} components`, defense: pinDefense(project, kernel, space, 'topk'), recognizer: projecting, random: false }),
    'jpeg-75': () => ({ name: 'jpeg-75', label: 'JPEG quality 75', defense: bpda(jpeg(75, codec)), recognizer: clean, random: false }),
    'jpeg-50': () => ({ name: 'jpeg-50', label: 'JPEG quality 50', defense: bpda(jpeg(50, codec)), recognizer: clean, random: false }),
    'bit-depth-4': () => ({ name: 'bit-depth-4', label: 'bit-depth reduction to 4 bits', defense: bpda(bitDepth(4)), recognizer: clean, random: false }),
    'median-3': () => ({ name: 'median-3', label: 'median filter 3x3', defense: bpda(median3()), recognizer: clean, random: false }),
    'gaussian-blur-1': () => ({ name: 'gaussian-blur-1', label: 'Gaussian blur, sigma 1 px', defense: bpda(gaussianBlur(1)), recognizer: clean, random: false }),
    'resize-pad': () => ({ name: 'resize-pad', label: 'random resize (100-112 px) and pad', defense: bpda(randomResizePad(100, 112)), recognizer: clean, random: true }),
  };
  const variant = (name: SweepName): EvalDefense => {
    const [mode, value] = name.split('@') as ['pin-threshold' | 'pin-learned', string];
    const lambda = Number(value);
    if (!(lambda > 0)) throw new Error(`[pinface] [eval] ${name}: lambda must be a positive number`);
    const path = sweepSelectorPath(lambda);
    if (mode === 'pin-learned' && !existsSync(path)) throw new Error(`[pinface] [eval] ${name} needs ${path}: npm run train:selector -- --lambda ${lambda} --out ${path}`);
    const net = mode === 'pin-learned' ? parseSelector(new Uint8Array(readFileSync(path))) : undefined;
    const p = createProjector(kernel, space, { ...defaultDefense, lambda }, net);
    return { name, label: `PIN, ${mode === 'pin-learned' ? 'learned' : 'closed-form'} selector at lambda ${lambda}`, defense: pinDefense(p, kernel, space, mode), recognizer: projecting, random: true };
  };
  return names.map((n) => (n.includes('@') ? variant(n as SweepName) : all[n as typeof DEFENSE_NAMES[number]]()));
}
