/**
 * @module Intervals for a false-accept rate. Pairs are not independent (one person's photos meet
 * everyone's), so the unit of resampling is the person: a Poisson bootstrap draws a weight per
 * person and reweights every pair by the product of its two people's weights. The denominator
 * has a closed form (impostor pairs join different people), the numerator runs over the accepted
 * impostor pairs only, so a replicate costs little at millions of pairs. A weight mean of m/n
 * instead of 1 resamples a population of m people: the prediction interval for a report set of
 * that size.
 */
import { uniform } from '../../../src/immune/rng.ts';

/** Poisson(lambda) by inversion: small lambdas only (here <= 1). */
function poisson(u: () => number, lambda: number): number {
  const l = Math.exp(-lambda);
  let k = 0, p = u();
  while (p > l) { k++; p *= u(); }
  return k;
}

export interface PeopleCounts {
  /** Images per person (index = person id); 0 for people outside the population. */
  images: Float64Array;
}

export interface Accepted {
  personA: Int32Array;
  personB: Int32Array;
  /** Accepted pairs are the first `count` of the lists (sorted by score, highest first). */
  count: number;
}

export interface Interval { lo: number; hi: number; replicates: number }

const percentile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))] as number;
};

/** 95 % percentile interval of the FAR, over `replicates` draws of people with mean weight `mean`. */
export function farInterval(people: PeopleCounts, accepted: Accepted[], { replicates = 400, mean = 1, seed = 1 } = {}): Interval[] {
  const u = uniform(seed);
  const n = people.images.length;
  const w = new Float64Array(n);
  const fars: number[][] = accepted.map(() => []);
  for (let r = 0; r < replicates; r++) {
    let sum = 0, sumSq = 0;
    for (let p = 0; p < n; p++) {
      const c = people.images[p] as number;
      const wp = c > 0 ? poisson(u, mean) : 0;
      w[p] = wp;
      sum += wp * c; sumSq += wp * wp * c * c;
    }
    const pairs = (sum * sum - sumSq) / 2;
    accepted.forEach((acc, t) => {
      let num = 0;
      for (let i = 0; i < acc.count; i++) num += (w[acc.personA[i] as number] as number) * (w[acc.personB[i] as number] as number);
      (fars[t] as number[]).push(pairs > 0 ? num / pairs : 0);
    });
  }
  return fars.map((f) => ({ lo: percentile(f, 0.025), hi: percentile(f, 0.975), replicates }));
}

/** Wilson score interval (95 %) of k accepts in n pairs, as if the pairs were independent: the narrowest honest bound. */
export function wilson(k: number, n: number): { lo: number; hi: number } {
  if (n === 0) return { lo: 0, hi: 1 };
  const z = 1.959964, p = k / n, z2n = (z * z) / n;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2n / (4 * n))) / (1 + z2n);
  return { lo: k === 0 ? 0 : Math.max(0, centre - half), hi: k === n ? 1 : Math.min(1, centre + half) };
}
