/**
 * @module Minimal budget (RobFR's "minimal perturbation"): per pair, the smallest l_inf eps at
 * which an attack succeeds, by binary search. Success is judged by the caller (through the
 * defense under evaluation, at its threshold), so the same search serves every threat model.
 * All pairs move together: each round runs the attack once over the batch, each pair at its
 * own eps.
 */
import type { LinfTask } from './linf.ts';

export interface MinimalOptions {
  /** Upper end of the search in pixel units; a pair that survives it reports Infinity. */
  maxEps?: number;
  /** Bisection rounds after the first check at maxEps (resolution maxEps / 2^rounds). */
  rounds?: number;
}

/**
 * `attack(task, eps)` returns adversarial faces; `succeeded(adv)` says per pair whether the
 * attack won. Returns each pair's minimal eps (the smallest successful budget found).
 */
export async function minimalEps(
  task: LinfTask,
  attack: (task: LinfTask, eps: number[]) => Promise<Float32Array[]>,
  succeeded: (adv: Float32Array[]) => Promise<boolean[]>,
  { maxEps = 32, rounds = 6 }: MinimalOptions = {},
): Promise<number[]> {
  const n = task.faces.length;
  const lo = new Array<number>(n).fill(0);
  const hi = new Array<number>(n).fill(maxEps);
  const found = new Array<boolean>(n).fill(false);
  const atMax = await succeeded(await attack(task, hi));
  atMax.forEach((ok, i) => { found[i] = ok; });
  for (let r = 0; r < rounds; r++) {
    const mid = lo.map((l, i) => (l + (hi[i] as number)) / 2);
    const ok = await succeeded(await attack(task, mid));
    ok.forEach((win, i) => { if (win) hi[i] = mid[i] as number; else lo[i] = mid[i] as number; });
  }
  return hi.map((h, i) => (found[i] ? h : Infinity));
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
