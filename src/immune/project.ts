/**
 * @module Projection: the PIN defense slot between alignment and the recognizer. The grayscale
 * face x becomes x' = mu + E_S E_S^T (x - mu) on the SIMD kernel, with S drawn per request
 * from the chosen selector's keep probabilities; x' is repeated to the recognizer's 3 planes.
 */
import { PinfaceError } from '../errors.ts';
import { grayToInput } from '../pipeline/embed.ts';
import type { Kernel, LoadedBasis } from '../wasm/kernel.ts';
import { randomSeed } from './rng.ts';
import { drawsMasks, pinLearned, pinThreshold, sampleMask, topk, type DefenseMode, type DenseLayers, type Selector } from './selectors.ts';
import type { SelectorNet } from './selector-file.ts';
import type { ImmuneSpace } from './space-file.ts';

export interface DefenseConfig {
  /** Used when a request names no defense. */
  mode: DefenseMode;
  /** Components kept by `topk`; absent: every component of the space. */
  topk?: number;
  /** pin-threshold's sparsity weight (the paper's lambda). */
  lambda: number;
  /** Noise level the selector assumes, relative to the input norm (the paper trains at 0.04). */
  noise: number;
}

export interface DefenseRequest {
  mode: DefenseMode;
  /** Bernoulli masks from this seed; a random one (reported back) when absent. */
  seed?: number;
  /** Keep iff p >= 1/2 instead of drawing a mask. */
  deterministic: boolean;
}

export interface DefenseReport {
  mode: DefenseMode;
  components: number;
  componentsKept: number;
  seed: number | null;
  projectMs: number;
}

/** The recognizer's input and what the defense did; `mask` is the component mask drawn (absent for `none`). */
export type Projector = (input: Float32Array, req: DefenseRequest) => { input: Float32Array; report: DefenseReport; mask?: Uint8Array };

/** The learned selector's two dense layers on the SIMD kernel: each is a zero-mean f32 "basis" whose coefficients are W x. */
export function kernelDense(kernel: Kernel, net: SelectorNet): DenseLayers {
  const bytes = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const l1 = kernel.loadBasis(new Float32Array(net.kp), bytes(net.w1), 'f32', net.hidden);
  const l2 = kernel.loadBasis(new Float32Array(net.hidden), bytes(net.w2), 'f32', net.k);
  return {
    layer1: (x) => { const h = new Float32Array(net.hidden); kernel.coefficients(l1, x, h); return h; },
    layer2: (h) => { const z = new Float32Array(net.k); kernel.coefficients(l2, h, z); return z; },
  };
}

/** The learned selector's weights go into kernel memory only when a request first asks for pin-learned (most isolates never do). */
const onFirstUse = (make: () => Selector): Selector => {
  let made: Selector | undefined;
  return (input) => (made ??= make())(input);
};

/** An immune space resident in a kernel: all a projector reads, so the space file itself can go. */
export interface LoadedSpace { kernel: Kernel; basis: LoadedBasis; k: number; d: number }

export const loadSpace = (kernel: Kernel, space: ImmuneSpace): LoadedSpace =>
  ({ kernel, basis: kernel.loadBasis(space.mean, space.basis, space.format, space.k, space.scales), k: space.k, d: space.d });

/** `selector`: the learned selector (models/pin-selector.bin); without it pin-learned answers 400. */
export const createProjector = (kernel: Kernel, space: ImmuneSpace, cfg: DefenseConfig, selector?: SelectorNet): Projector =>
  projectorOn(loadSpace(kernel, space), cfg, selector);

/** A projector over a space already in a kernel (several apps of one isolate can share one). */
export function projectorOn({ kernel, basis, k, d }: LoadedSpace, cfg: DefenseConfig, selector?: SelectorNet): Projector {
  if (selector && selector.k !== k) throw new Error(`[pinface] [selector] trained for K = ${selector.k}, the space has K = ${k}. Retrain it with npm run train:selector.`);
  const selectors: Partial<Record<DefenseMode, Selector>> = {
    topk: topk(Math.min(cfg.topk ?? k, k)),
    'pin-threshold': pinThreshold({ lambda: cfg.lambda, noise: cfg.noise }),
    ...(selector ? { 'pin-learned': onFirstUse(() => pinLearned(selector, kernelDense(kernel, selector))) } : {}),
  };
  const coeffs = new Float32Array(k);
  const plane = new Float32Array(d);
  return (input, req) => {
    if (req.mode === 'none') return { input, report: { mode: 'none', components: 0, componentsKept: 0, seed: null, projectMs: 0 } };
    const select = selectors[req.mode];
    if (!select) {
      throw new PinfaceError('invalid_parameters', `[pinface] [defense] "${req.mode}" is not available in this build (no learned selector was given). Use one of: none, ${Object.keys(selectors).join(', ')}.`, { field: 'defense' });
    }
    const t0 = performance.now();
    const x = input.subarray(0, d); // gray repeated to 3 planes: the first is the face
    const energy = kernel.coefficients(basis, x, coeffs); // ||x||^2 comes out of the same pass
    const p = select({ coeffs, inputEnergy: energy, d });
    const seed = req.deterministic || !drawsMasks(req.mode) ? undefined : (req.seed ?? randomSeed());
    const mask = sampleMask(p, seed);
    kernel.reconstruct(basis, coeffs, mask, plane);
    const out = grayToInput(plane);
    let kept = 0;
    for (const m of mask) kept += m;
    return { input: out, mask, report: { mode: req.mode, components: k, componentsKept: kept, seed: seed ?? null, projectMs: performance.now() - t0 } };
  };
}
