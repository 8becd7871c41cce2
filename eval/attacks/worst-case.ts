/**
 * @module The per-pair worst case over attacks that know the defense (Carlini et al. 2019, "On
 * Evaluating Adversarial Robustness"): every attack meets the defended system as the service
 * decides (a fresh defense draw per decision, the calibrated threshold), and each pair's
 * robustness is the smallest l_inf budget any of them needs.
 *
 *   apgd      white-box through the defense (exact Jacobian of the drawn projection, EOT over
 *             draws), step-size schedule, restarts, margin loss; minimal eps by bisection;
 *   gray-box  PGD made on the bare recognizer the defense feeds, judged through the defense;
 *   transfer  made on another network (the dlib surrogate), judged through the defense;
 *   square    score-based, gradient-free (Square, queries only), at one budget;
 *   rays      decision-based (hard label), minimal eps.
 *
 * A random defense decides a pair wrongly when the majority of `draws` fresh draws do (an
 * attack that fools one lucky draw is not counted), so no attack is credited with noise.
 */
import { apgd } from './apgd.ts';
import { minimalEps } from './minimal.ts';
import type { DifferentiableDefense, Objective } from './objective.ts';
import type { LinfTask } from './linf.ts';
import { rayPoint, rays } from './rays.ts';
import { squareAttack } from './square.ts';
import { cosine as cos } from '../scores.ts';

/** The defended verifier an attack meets. */
export interface Target {
  defense: DifferentiableDefense;
  recognizer: Objective;
  /** The decision threshold on the cosine (the calibrated one). */
  threshold: number;
  random: boolean;
}


/** Margin to the decision per face, one defense draw each: positive when the pair is decided wrongly. */
export async function margins(t: Target, task: LinfTask, faces: Float32Array[], rng: () => number): Promise<number[]> {
  const e = await t.recognizer.embed(faces, t.defense, rng);
  return faces.map((_, i) => (task.sign[i] as number) * (cos(e[i] as Float32Array, task.refs[i] as Float32Array) - t.threshold));
}

/** Per pair: of `draws` fresh draws, how many decide it wrongly. */
export async function wrongDraws(t: Target, task: LinfTask, faces: Float32Array[], rng: () => number, draws: number): Promise<number[]> {
  const wins = new Array<number>(faces.length).fill(0);
  for (let d = 0; d < draws; d++) (await margins(t, task, faces, rng)).forEach((m, i) => { if (m > 0) wins[i] = (wins[i] as number) + 1; });
  return wins;
}

/** Per pair: decided wrongly by the majority of `draws` fresh draws (one for a deterministic defense). */
export async function fooledBy(t: Target, task: LinfTask, faces: Float32Array[], rng: () => number, draws = 5): Promise<boolean[]> {
  const k = t.random ? draws : 1;
  return (await wrongDraws(t, task, faces, rng, k)).map((w) => w > k / 2);
}

/**
 * One decision per query, as a query-only attacker gets them; concurrent queries (one per pair
 * in flight) go to onnxruntime as one batch.
 */
export function queryOracle(t: Target, task: LinfTask, rng: () => number): (pair: number, face: Float32Array) => Promise<number> {
  let pending: Array<{ pair: number; face: Float32Array; resolve: (m: number) => void; reject: (e: unknown) => void }> = [];
  const flush = async () => {
    const batch = pending;
    pending = [];
    try {
      const e = await t.recognizer.embed(batch.map((q) => q.face), t.defense, rng);
      batch.forEach((q, k) => q.resolve((task.sign[q.pair] as number) * (cos(e[k] as Float32Array, task.refs[q.pair] as Float32Array) - t.threshold)));
    } catch (err) {
      for (const q of batch) q.reject(err);
    }
  };
  return (pair, face) => new Promise<number>((resolve, reject) => {
    if (!pending.length) setImmediate(() => void flush());
    pending.push({ pair, face, resolve, reject });
  });
}

/** The task restricted to the pairs `idx`, in that order. */
export const subTask = (task: LinfTask, idx: number[]): LinfTask => ({
  faces: idx.map((i) => task.faces[i] as Float32Array), refs: idx.map((i) => task.refs[i] as Float32Array), sign: idx.map((i) => task.sign[i] as number),
});

export interface SearchOptions { maxEps: number; rounds: number; rng: () => number; draws?: number }

/** Pairs already decided wrongly when clean have minimal eps 0 and are not attacked. */
async function minimalWhereRight(t: Target, task: LinfTask, o: SearchOptions, attack: (sub: LinfTask, eps: number[], idx: number[]) => Promise<Float32Array[]>): Promise<number[]> {
  const cleanWrong = await fooledBy(t, task, task.faces, o.rng, o.draws);
  const idx = task.faces.map((_, i) => i).filter((i) => !cleanWrong[i]);
  const out = new Array<number>(task.faces.length).fill(0);
  if (!idx.length) return out;
  const sub = subTask(task, idx);
  const found = await minimalEps(sub, (s, eps) => attack(s, eps, idx), (adv) => fooledBy(t, sub, adv, o.rng, o.draws), { maxEps: o.maxEps, rounds: o.rounds });
  idx.forEach((i, k) => { out[i] = found[k] as number; });
  return out;
}

export interface ApgdSearch extends SearchOptions { iterations: number; restarts: number; samples: number }

/**
 * Through a random defense APGD stops a pair only once its EOT-averaged margin clears this, not at 0: a point just
 * past the threshold on average is rejected by the fresh-draw majority judge about as often as not, at any eps, and
 * the bisection then calls the pair unbroken (the full run: 6 of 100 impersonation pairs through PIN reported at
 * 9-17/255 or not broken at 32/255, where PGD on the bare recognizer broke them at 3-6/255). The per-draw spread of
 * the cosine through PIN is 0.004-0.013 (sd over 16 mask draws, 20 clean faces, shipped and candidate recognizer):
 * 0.05 is about four of the largest. Pushing on to it also cost less time than the bisection's extra rounds.
 */
export const RANDOM_STOP_MARGIN = 0.05;

/** Where APGD may stop a pair through `t`: any wrong decision of a deterministic defense is the judge's. */
export const apgdStop = (t: Target): number => (t.random ? RANDOM_STOP_MARGIN : 0);

/** White-box APGD through the defense (EOT over `samples` draws when it is random). */
export const apgdMinimal = (t: Target, task: LinfTask, o: ApgdSearch): Promise<number[]> =>
  minimalWhereRight(t, task, o, async (sub, eps) => (await apgd(t.recognizer, sub, {
    eps, threshold: t.threshold, iterations: o.iterations, restarts: o.restarts, defense: t.defense, samples: t.random ? o.samples : 1, rng: o.rng,
    stopAbove: apgdStop(t),
  })).faces);

/**
 * Faces made without the defense (on the bare recognizer, or on a surrogate with its own
 * references: `made`), judged through it.
 */
export const transferMinimal = (t: Target, task: LinfTask, o: SearchOptions, make: (idx: number[], eps: number[]) => Promise<Float32Array[]>): Promise<number[]> =>
  minimalWhereRight(t, task, o, (_sub, eps, idx) => make(idx, eps));

/** Whether the majority of `draws` fresh decisions (one query each) call the pair wrong: what a query-only attacker can check. */
const majorityOf = (oracle: ReturnType<typeof queryOracle>, draws: number) => async (pair: number, face: Float32Array): Promise<boolean> =>
  (await Promise.all(Array.from({ length: draws }, () => oracle(pair, face)))).filter((m) => m > 0).length > draws / 2;

/**
 * Square at one budget, every pair in flight at once: fooled (confirmed by the majority judge) and queries spent.
 * Through a random defense a flip is confirmed by the majority of fresh draws before the attack stops (out of its budget).
 */
export async function squareAt(t: Target, task: LinfTask, eps: number, queries: number, rng: () => number, draws = 5): Promise<{ fooled: boolean[]; queries: number[] }> {
  const oracle = queryOracle(t, task, rng);
  const majority = majorityOf(oracle, draws);
  const side = Math.round(Math.sqrt((task.faces[0] as Float32Array).length));
  const runs = await Promise.all(task.faces.map((f, i) => squareAttack({ width: side, height: side, channels: 1, data: f }, async (img) => -(await oracle(i, img.data)), {
    eps, queries, rng, stopBelow: 0, ...(t.random ? { confirm: (img) => majority(i, img.data), confirmQueries: draws } : {}),
  })));
  // One majority verdict per pair: the confirmation that stopped it, else the judge on the image it ended with.
  const judged = await fooledBy(t, task, runs.map((r) => r.image.data), rng, draws);
  return { fooled: runs.map((r, i) => r.confirmed || (judged[i] as boolean)), queries: runs.map((r) => r.queries) };
}

/**
 * RayS per pair, every pair in flight at once, each decision one draw. Through a random defense a lucky draw can
 * make the radius it reports too small; where the majority judge does not confirm it, the search goes on along the
 * same direction with majority decisions, up to maxEps (a budget kept aside from the queries for it). A radius no
 * majority confirms counts as not found. `toward`: per pair, the photo an impersonation starts toward (the other
 * person's; a dodging pair starts from a random direction).
 */
export async function raysMinimal(t: Target, task: LinfTask, queries: number, maxEps: number, rng: () => number, draws = 5, toward?: Float32Array[]): Promise<{ eps: number[]; queries: number[] }> {
  const oracle = queryOracle(t, task, rng);
  const majority = majorityOf(oracle, draws), tolerance = 0.25;
  const reserve = t.random ? draws * (1 + Math.ceil(Math.log2(maxEps / tolerance))) : 0;
  const startOf = (f: Float32Array, i: number) => {
    const other = toward?.[i];
    return (task.sign[i] as number) > 0 && other ? { start: other.map((v, j) => v - (f[j] as number)) } : {};
  };
  const runs = await Promise.all(task.faces.map((f, i) => rays(f, async (x) => (await oracle(i, x)) > 0, { queries: queries - reserve, maxEps, rng, tolerance, ...startOf(f, i) })));
  const confirmed = await fooledBy(t, task, runs.map((r) => r.face), rng, draws);
  const spent = runs.map((r) => r.queries);
  const eps = await Promise.all(runs.map(async (r, i) => {
    if (confirmed[i]) return r.eps;
    if (!t.random || !Number.isFinite(r.eps)) return Infinity;
    const clean = task.faces[i] as Float32Array;
    const wrong = async (radius: number) => { spent[i] = (spent[i] as number) + draws; return majority(i, rayPoint(clean, r.direction, radius)); };
    if (!(await wrong(maxEps))) return Infinity;
    let lo = r.eps, hi = maxEps;
    while (hi - lo > tolerance) { const mid = (lo + hi) / 2; if (await wrong(mid)) hi = mid; else lo = mid; }
    return hi;
  }));
  return { eps, queries: spent };
}

/** Per pair, the smallest budget over attacks (a fixed-budget attack that won bounds it by its budget). */
export function worstCase(minimal: Record<string, number[]>, fixed: Record<string, { eps: number; fooled: boolean[] }> = {}): number[] {
  const n = (Object.values(minimal)[0] ?? Object.values(fixed)[0]?.fooled ?? []).length;
  return Array.from({ length: n }, (_, i) => Math.min(
    ...Object.values(minimal).map((m) => m[i] as number),
    ...Object.values(fixed).map((f) => (f.fooled[i] ? f.eps : Infinity)),
  ));
}

/**
 * Distribution-free 95 % interval of the median: order statistics whose ranks bracket n/2 by
 * 1.96 sqrt(n)/2 (the normal approximation of the binomial count below the median).
 */
export function medianInterval(xs: number[]): { median: number; low: number; high: number } {
  const s = [...xs].sort((a, b) => a - b), n = s.length;
  const h = 1.96 * Math.sqrt(n) / 2;
  const at = (r: number) => s[Math.min(n - 1, Math.max(0, r))] as number;
  const m = n % 2 ? at(n >> 1) : (at(n / 2 - 1) + at(n / 2)) / 2;
  // 1-indexed ranks j = floor(n/2 - h) and k = ceil(1 + n/2 + h).
  return { median: m, low: at(Math.floor(n / 2 - h) - 1), high: at(Math.ceil(1 + n / 2 + h) - 1) };
}

/** Wilson score interval (95 %) of k successes in n. */
export function wilson(k: number, n: number): { rate: number; low: number; high: number } {
  if (n === 0) return { rate: NaN, low: 0, high: 1 };
  const z = 1.96, p = k / n, d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d, w = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return { rate: p, low: Math.max(0, c - w), high: Math.min(1, c + w) };
}

/** Success rate per budget read off minimal budgets: the share of pairs with minimal eps <= eps. */
export const successCurve = (minimal: number[], grid: number[]): Array<{ eps: number; success: number }> =>
  grid.map((eps) => ({ eps, success: minimal.filter((m) => m <= eps).length / minimal.length }));
