/**
 * @module RayS (Chen & Gu, KDD 2020, "RayS: A Ray Searching Method for Hard-label Adversarial
 * Attack"): a decision-based l_inf attack. It sees only the verdict (match / no match), never a
 * score: it searches sign directions d in {-1, +1}^n for the smallest radius r at which
 * clip(x + r d) is decided wrongly. Directions change by flipping the sign of one block at a
 * time, blocks halving each pass; a flip is kept when one query at the best radius so far is
 * still adversarial, and the radius is then bisected down. The result is the pair's minimal
 * l_inf budget as a hard-label attacker finds it.
 */

export interface RaysOptions {
  /** Query budget (every verdict counts, bisection included). */
  queries: number;
  /** Largest radius tried, in pixel units; a pair still right there reports Infinity. */
  maxEps?: number;
  /** Bisection stops when the bracket is narrower than this (pixel units). */
  tolerance?: number;
  /** Stop once the radius is at or below this (the budget being evaluated). */
  stopAt?: number;
  /**
   * Draws the starting direction. The paper starts from all ones, a uniform brightness shift,
   * which is what a face recognizer is trained to ignore; a random sign pattern starts nearer.
   */
  rng: () => number;
  /**
   * A starting direction instead (its signs; 0 drawn at random). Impersonation needs one: no random
   * sign pattern makes a face look like a given other person, so the search starts toward that
   * person's photo, as decision-based attacks on face recognition start from the target's image.
   */
  start?: Float32Array;
}

/** `direction`: the sign pattern of the best radius, so a judge can search along it again. */
export interface RaysResult { eps: number; queries: number; face: Float32Array; direction: Float32Array }

/** The face at radius r along the sign pattern d, inside the pixel range. */
export const rayPoint = (clean: Float32Array, d: Float32Array, r: number): Float32Array => clean.map((v, j) => Math.min(255, Math.max(0, v + r * (d[j] as number))));

export async function rays(clean: Float32Array, isAdversarial: (x: Float32Array) => Promise<boolean>, o: RaysOptions): Promise<RaysResult> {
  const n = clean.length, maxEps = o.maxEps ?? 64, tol = o.tolerance ?? 0.25;
  const d = Float32Array.from({ length: n }, (_, j) => {
    const s = o.start?.[j] ?? 0;
    return s > 0 ? 1 : s < 0 ? -1 : o.rng() < 0.5 ? -1 : 1;
  });
  let queries = 0, best = Infinity;
  const at = (dir: Float32Array, r: number): Float32Array => rayPoint(clean, dir, r);
  const query = async (dir: Float32Array, r: number): Promise<boolean> => { queries++; return isAdversarial(at(dir, r)); };
  /** Bisects the radius of `dir` below `hi`, known adversarial at hi; returns the adversarial end. */
  const bisect = async (dir: Float32Array, hi: number): Promise<number> => {
    let lo = 0;
    while (hi - lo > tol && queries < o.queries) {
      const mid = (lo + hi) / 2;
      if (await query(dir, mid)) hi = mid; else lo = mid;
    }
    return hi;
  };
  /** Tries `dir`: kept (best lowered) when adversarial at the current best radius. */
  const tryDirection = async (dir: Float32Array): Promise<boolean> => {
    const probe = Number.isFinite(best) ? best : maxEps;
    if (!(await query(dir, probe))) return false;
    best = await bisect(dir, probe);
    return true;
  };
  await tryDirection(d);
  const done = () => queries >= o.queries || (o.stopAt !== undefined && best <= o.stopAt);
  for (let level = 0; !done(); level = (1 << (level + 1)) > n ? 0 : level + 1) {
    const blocks = 1 << level, size = Math.ceil(n / blocks);
    for (let b = 0; b < blocks && !done(); b++) {
      const start = b * size, end = Math.min(n, start + size);
      for (let j = start; j < end; j++) d[j] = -(d[j] as number);
      if (!(await tryDirection(d))) for (let j = start; j < end; j++) d[j] = -(d[j] as number);
    }
  }
  return { eps: best, queries, face: Number.isFinite(best) ? at(d, best) : clean.slice(), direction: d };
}
