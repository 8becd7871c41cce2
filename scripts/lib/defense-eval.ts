/**
 * @module Defense evaluation: the dev pairs scored through aligned face -> defense -> recognizer,
 * with the product's own projector (src/immune/project.ts) on the SIMD kernel and the recognizer
 * on onnxruntime-node. Aligned faces are cached (fit-faces.ts), so each defense setting costs one
 * embedding pass.
 */
import { ALIGNED_SIZE } from '../../src/pipeline/align.ts';
import { cosine } from '../../src/pipeline/decide.ts';
import { embedAligned } from '../../src/pipeline/embed.ts';
import type { ModelRunner } from '../../src/pipeline/model.ts';
import type { DefenseRequest, Projector } from '../../src/immune/project.ts';
import { alignedFaces, D } from './fit-faces.ts';
import { atFar, foldAccuracy, type Pair, type Scored } from './pairs.ts';
import { progress } from './progress.ts';

export interface PairFaces {
  pairs: Pair[];
  paths: string[];
  /** Aligned gray faces, one row of D per path with a face. */
  faces: Float32Array;
  /** Row of paths[i] in faces, -1 when no face was found. */
  index: Int32Array;
}

export async function pairFaces(dataDir: string, pairs: Pair[]): Promise<PairFaces> {
  const paths = [...new Set(pairs.flatMap((p) => [p.a, p.b]))].sort();
  const { faces, index } = await alignedFaces(dataDir, paths, false);
  return { pairs, paths, faces, index };
}

/** Per-image mask seed: fixed per image and setting, so a sweep is reproducible. */
const imageSeed = (i: number, seed: number): number => (Math.imul(i + 1, 0x9e3779b9) ^ seed) >>> 0;

export interface DefenseRun {
  mode: DefenseRequest['mode'];
  /** Draw Bernoulli masks (seeded per image) rather than keep p >= 1/2. */
  sampled: boolean;
  seed?: number;
}

export interface DefenseScores {
  scored: Scored[];
  /** Mean components kept per image. */
  meanKept: number;
}

export async function scoreDefense(pf: PairFaces, project: Projector, feature: ModelRunner, run: DefenseRun, label: string): Promise<DefenseScores> {
  const embeddings = new Map<string, Float32Array | null>();
  const plane = ALIGNED_SIZE * ALIGNED_SIZE;
  const input = new Float32Array(3 * plane);
  let kept = 0, projected = 0;
  const bar = progress(label, pf.paths.length);
  for (const [i, path] of pf.paths.entries()) {
    const row = pf.index[i] as number;
    if (row < 0) {
      embeddings.set(path, null); // no face: scored as a non-match, as the API answers
    } else {
      const face = pf.faces.subarray(row * D, (row + 1) * D);
      input.set(face, 0); input.set(face, plane); input.set(face, 2 * plane);
      const req: DefenseRequest = { mode: run.mode, deterministic: !run.sampled, ...(run.sampled ? { seed: imageSeed(i, run.seed ?? 0) } : {}) };
      const out = project(input, req);
      kept += out.report.componentsKept;
      projected++;
      embeddings.set(path, await embedAligned(out.input, feature));
    }
    bar.tick();
  }
  bar.done();
  const scored = pf.pairs.map((p): Scored => {
    const ea = embeddings.get(p.a), eb = embeddings.get(p.b);
    return { fold: p.fold, same: p.same, score: ea && eb ? cosine(ea, eb) : -1 };
  });
  return { scored, meanKept: projected ? kept / projected : 0 };
}

export interface Metrics {
  accuracy: number;
  accuracyStd: number;
  tarAtFar1e3: number;
  thresholdAtFar1e3: number;
  meanKept: number;
}

export function metrics({ scored, meanKept }: DefenseScores): Metrics {
  const acc = foldAccuracy(scored);
  const far3 = atFar(scored, 1e-3);
  return { accuracy: acc.mean, accuracyStd: acc.std, tarAtFar1e3: far3.tar, thresholdAtFar1e3: far3.threshold, meanKept };
}
