/**
 * @module Every pair of a set of embeddings, scored in blocks on the SIMD kernel (a block of rows
 * against the whole set, C = A B^T) and split into genuine (same person) and impostor pairs.
 * Thresholds come from a fine histogram of the impostor scores (pass 1) refined exactly by a
 * second pass that keeps the impostor pairs above the loosest threshold (pass 2), with the
 * people they join, for the bootstrap.
 */
import type { Kernel } from '../../../src/wasm/kernel.ts';
import { EMBEDDING } from './embed.ts';

const BLOCK = 256;
const BINS = 1 << 20;
const bin = (s: number): number => Math.min(BINS - 1, Math.max(0, Math.floor(((s + 1) / 2) * BINS)));

export interface PairSet {
  /** Rows of the set: embeddings (n x 512) and the person of each row. */
  e: Float32Array;
  person: Int32Array;
  n: number;
}

export function pairSet(embeddings: Float32Array, rows: Int32Array, person: Int32Array): PairSet {
  const e = new Float32Array(rows.length * EMBEDDING);
  const p = new Int32Array(rows.length);
  rows.forEach((r, i) => { e.set(embeddings.subarray(r * EMBEDDING, (r + 1) * EMBEDDING), i * EMBEDDING); p[i] = person[r] as number; });
  return { e, person: p, n: rows.length };
}

/** Calls `visit(i, j, score, same)` for every pair i < j of the set. */
export function sweepPairs(k: Kernel, set: PairSet, visit: (i: number, j: number, score: number, same: boolean) => void): void {
  for (let r0 = 0; r0 < set.n; r0 += BLOCK) {
    const m = Math.min(BLOCK, set.n - r0);
    const c = k.matmulNT(set.e.subarray(r0 * EMBEDDING, (r0 + m) * EMBEDDING), set.e, m, set.n, EMBEDDING);
    for (let a = 0; a < m; a++) {
      const i = r0 + a, pi = set.person[i] as number, row = a * set.n;
      for (let j = i + 1; j < set.n; j++) visit(i, j, c[row + j] as number, pi === set.person[j]);
    }
  }
}

/** Which population an impostor pair belongs to (e.g. both people from one source), 0..groups-1. */
export type GroupOf = (personA: number, personB: number) => number;

export interface ImpostorScan {
  /** Impostor pairs per group. */
  impostors: number[];
  /** Genuine scores, for TAR. */
  genuine: Float32Array;
  histograms: Uint32Array[];
}

export function scanPairs(k: Kernel, set: PairSet, groups: number, groupOf: GroupOf): ImpostorScan {
  const histograms = Array.from({ length: groups }, () => new Uint32Array(BINS));
  const impostors = new Array<number>(groups).fill(0);
  const genuine: number[] = [];
  sweepPairs(k, set, (i, j, s, same) => {
    if (same) { genuine.push(s); return; }
    const g = groupOf(set.person[i] as number, set.person[j] as number);
    const h = histograms[g] as Uint32Array, b = bin(s);
    impostors[g] = (impostors[g] as number) + 1;
    h[b] = (h[b] as number) + 1;
  });
  return { impostors, genuine: Float32Array.from(genuine), histograms };
}

/** The lowest score that at most `far` of a group's impostors can reach, from its histogram: a lower bound for pass 2. */
export function coarseThreshold(scan: ImpostorScan, group: number, far: number): number {
  const h = scan.histograms[group] as Uint32Array;
  const allowed = Math.floor(far * (scan.impostors[group] as number));
  let above = 0;
  for (let b = BINS - 1; b >= 0; b--) {
    above += h[b] as number;
    if (above > allowed) return (b / BINS) * 2 - 1;
  }
  return -1;
}

export interface HighImpostors {
  score: Float32Array;
  personA: Int32Array;
  personB: Int32Array;
  group: Uint8Array;
}

/** Pass 2: the impostor pairs scoring at least `floor`, highest first. */
export function highImpostors(k: Kernel, set: PairSet, floor: number, groupOf: GroupOf): HighImpostors {
  const s: number[] = [], a: number[] = [], b: number[] = [];
  sweepPairs(k, set, (i, j, score, same) => {
    if (same || score < floor) return;
    s.push(score); a.push(set.person[i] as number); b.push(set.person[j] as number);
  });
  const order = s.map((_, i) => i).sort((x, y) => (s[y] as number) - (s[x] as number));
  const personA = Int32Array.from(order, (i) => a[i] as number), personB = Int32Array.from(order, (i) => b[i] as number);
  return { score: Float32Array.from(order, (i) => s[i] as number), personA, personB, group: Uint8Array.from(personA, (p, i) => groupOf(p, personB[i] as number)) };
}

/** The pairs of one group, in the same order. */
export function groupOnly(high: HighImpostors, group: number): HighImpostors {
  const keep = Array.from(high.group, (g, i) => (g === group ? i : -1)).filter((i) => i >= 0);
  return {
    score: Float32Array.from(keep, (i) => high.score[i] as number), personA: Int32Array.from(keep, (i) => high.personA[i] as number),
    personB: Int32Array.from(keep, (i) => high.personB[i] as number), group: new Uint8Array(keep.length).fill(group),
  };
}

/**
 * The smallest 6-decimal threshold that accepts at most floor(far * impostors) impostors:
 * just above the score of the first impostor that must be refused.
 */
export function exactThreshold(high: HighImpostors, impostors: number, far: number): number {
  const allowed = Math.floor(far * impostors);
  const refuse = high.score[allowed];
  if (refuse === undefined) throw new Error(`[pinface] [calibrate] pass 2 kept ${high.score.length} impostors, fewer than the ${allowed + 1} needed for far ${far}`);
  return (Math.floor(refuse * 1e6) + 1) / 1e6;
}

/** How many of a sorted-descending score list reach t. */
export function countAtLeast(sortedDesc: Float32Array, t: number): number {
  let lo = 0, hi = sortedDesc.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sortedDesc[mid] as number) >= t) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** Impostors of a set at or above each threshold (one sweep). */
export function impostorsAtLeast(k: Kernel, set: PairSet, thresholds: readonly number[]): { impostors: number; accepted: number[]; genuine: Float32Array } {
  const accepted = thresholds.map(() => 0);
  const genuine: number[] = [];
  let impostors = 0;
  sweepPairs(k, set, (_i, _j, s, same) => {
    if (same) { genuine.push(s); return; }
    impostors++;
    for (let t = 0; t < thresholds.length; t++) if (s >= (thresholds[t] as number)) accepted[t] = (accepted[t] as number) + 1;
  });
  return { impostors, accepted, genuine: Float32Array.from(genuine) };
}
