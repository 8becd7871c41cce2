/**
 * @module Evaluation data: verification pairs split into calibration pairs (thresholds are set
 * there) and evaluation pairs (everything reported), with their faces aligned by the product's
 * pipeline as grayscale 0-255. dev_pairs.tsv: calibration folds 1-4, evaluation folds 5-8, whose
 * people the immune space was never fitted on. Any other folder laid out as <identity>/<images>
 * gets seeded pairs, its identities split in two halves for the same roles.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EVAL_FOLDS, alignedFaces, D } from '../scripts/lib/fit-faces.ts';
import { readPairs, type Pair } from '../scripts/lib/pairs.ts';
import { uniform } from '../src/immune/rng.ts';
import { FEATURE_NORMALIZE } from '../src/pipeline/embed.ts';

export interface EvalData {
  source: string;
  calibration: Pair[];
  evaluation: Pair[];
  /** Whether the pipeline found a face in the image (cheap: no pixels are converted). */
  hasFace(path: string): boolean;
  /** Grayscale 0-255 aligned face per image path, or undefined when no face was found. */
  face(path: string): Float32Array | undefined;
}

function shuffled<T>(xs: T[], rng: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) { const j = Math.floor(rng() * (i + 1)); [a[i], a[j]] = [a[j] as T, a[i] as T]; }
  return a;
}

/** Seeded genuine and impostor pairs from <identity>/<images>, four folds per half. */
function folderPairs(dir: string, seed: number): { calibration: Pair[]; evaluation: Pair[] } {
  const rng = uniform(seed);
  const people = readdirSync(dir).filter((p) => statSync(join(dir, p)).isDirectory()).sort()
    .map((p) => ({ p, images: readdirSync(join(dir, p)).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).sort().map((f) => `${p}/${f}`) }))
    .filter((x) => x.images.length > 0);
  const order = shuffled(people, rng);
  const half = (group: typeof people, foldBase: number): Pair[] => {
    const genuine: Pair[] = [];
    for (const g of group) for (let i = 0; i + 1 < g.images.length; i += 2) genuine.push({ fold: 0, same: true, a: g.images[i] as string, b: g.images[i + 1] as string });
    const impostor: Pair[] = [];
    for (let k = 0; k < genuine.length && group.length > 1; k++) {
      const i = Math.floor(rng() * group.length);
      const j = (i + 1 + Math.floor(rng() * (group.length - 1))) % group.length;
      const pick = (x: typeof people[number]) => x.images[Math.floor(rng() * x.images.length)] as string;
      impostor.push({ fold: 0, same: false, a: pick(group[i] as typeof people[number]), b: pick(group[j] as typeof people[number]) });
    }
    return [...genuine, ...impostor].map((p, k) => ({ ...p, fold: foldBase + (k % 4) }));
  };
  const mid = order.length >> 1;
  return { calibration: half(order.slice(0, mid), 1), evaluation: half(order.slice(mid), 5) };
}

export async function loadEvalData(dir: string, seed = 1, folds?: { calibration: number[]; evaluation: number[] }): Promise<EvalData> {
  const tsv = existsSync(join(dir, 'dev_pairs.tsv'));
  const all = tsv
    ? (() => { const all = readPairs(dir); return { calibration: all.filter((p) => !EVAL_FOLDS.includes(p.fold)), evaluation: all.filter((p) => EVAL_FOLDS.includes(p.fold)) }; })()
    : folderPairs(dir, seed);
  const split = folds
    ? { calibration: all.calibration.filter((p) => folds.calibration.includes(p.fold)), evaluation: all.evaluation.filter((p) => folds.evaluation.includes(p.fold)) }
    : all;
  const paths = [...new Set([...split.calibration, ...split.evaluation].flatMap((p) => [p.a, p.b]))].sort();
  const { faces, index } = await alignedFaces(dir, paths, false);
  const row = new Map(paths.map((p, i) => [p, index[i] as number]));
  return {
    source: tsv ? `${dir}/dev_pairs.tsv` : dir,
    ...split,
    hasFace: (path) => (row.get(path) ?? -1) >= 0,
    face(path) {
      const r = row.get(path);
      if (r === undefined || r < 0) return undefined;
      return faces.slice(r * D, (r + 1) * D).map((v) => v * FEATURE_NORMALIZE.scale + FEATURE_NORMALIZE.mean);
    },
  };
}

/** The attacked subset: evaluation pairs with a face on both sides, half genuine, half impostor, seeded. */
export function attackedPairs(data: EvalData, n: number, seed: number): Pair[] {
  const usable = data.evaluation.filter((p) => data.hasFace(p.a) && data.hasFace(p.b));
  const rng = uniform(seed * 104729 + 1);
  const take = (xs: Pair[], k: number) => xs.map((p) => ({ p, r: rng() })).sort((a, b) => a.r - b.r).slice(0, k).map((x) => x.p);
  return [...take(usable.filter((p) => p.same), n >> 1), ...take(usable.filter((p) => !p.same), n - (n >> 1))];
}
