/** @module Verification pairs: dev_pairs.tsv, and the LFW-protocol statistics over them. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Pair { fold: number; same: boolean; a: string; b: string }

export function readPairs(dataDir: string): Pair[] {
  const lines = readFileSync(join(dataDir, 'dev_pairs.tsv'), 'utf8').trim().split('\n').slice(1);
  return lines.map((line) => {
    const [fold, same, a, b] = line.split('\t');
    if (!fold || !same || !a || !b) throw new Error(`[pinface] [pairs] malformed line: ${line}`);
    return { fold: Number(fold), same: same === '1', a, b };
  });
}

export interface Scored { fold: number; same: boolean; score: number }

export const accuracyAt = (s: Scored[], t: number): number => s.filter((p) => (p.score >= t) === p.same).length / s.length;

/** Threshold maximising accuracy; candidates are midpoints between sorted scores. */
export function bestThreshold(s: Scored[]): number {
  const xs = [...new Set(s.map((p) => p.score))].sort((a, b) => a - b);
  let best = -Infinity, bestT = 0;
  for (let i = 0; i + 1 < xs.length; i++) {
    const t = ((xs[i] as number) + (xs[i + 1] as number)) / 2;
    const acc = accuracyAt(s, t);
    if (acc > best) { best = acc; bestT = t; }
  }
  return bestT;
}

/** LFW protocol: each fold is scored with the threshold chosen on the other folds. */
export function foldAccuracy(s: Scored[]): { mean: number; std: number; perFold: number[] } {
  const folds = [...new Set(s.map((p) => p.fold))].sort((a, b) => a - b);
  const perFold = folds.map((f) => accuracyAt(s.filter((p) => p.fold === f), bestThreshold(s.filter((p) => p.fold !== f))));
  const mean = perFold.reduce((a, b) => a + b, 0) / perFold.length;
  const std = Math.sqrt(perFold.reduce((a, b) => a + (b - mean) ** 2, 0) / perFold.length);
  return { mean, std, perFold };
}

/** Smallest threshold whose false-accept rate on impostor pairs is <= far, and the TAR there. */
export function atFar(s: Scored[], far: number): { threshold: number; tar: number; far: number } {
  const imp = s.filter((p) => !p.same).map((p) => p.score).sort((a, b) => b - a);
  const gen = s.filter((p) => p.same).map((p) => p.score);
  const allowed = Math.floor(far * imp.length);
  // Just above the (allowed+1)-th highest impostor score: at most `allowed` impostors accepted.
  const threshold = (imp[allowed] ?? -1) + 1e-6;
  return {
    threshold,
    tar: gen.filter((x) => x >= threshold).length / gen.length,
    far: imp.filter((x) => x >= threshold).length / imp.length,
  };
}
