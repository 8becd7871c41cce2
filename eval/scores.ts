/**
 * @module Clean pair scores through a defense and its recognizer: every image of the pairs
 * embedded once (one defense draw each, in batches), a pair scored by the cosine of its two
 * embeddings; a pair without a face on both sides is a non-match (-1), as the API answers.
 */
import { progress } from '../scripts/lib/progress.ts';
import type { Pair, Scored } from '../scripts/lib/pairs.ts';
import type { DifferentiableDefense, Objective } from './attacks/objective.ts';
import type { EvalData } from './data.ts';

export const cosine = (a: Float32Array, b: Float32Array): number => a.reduce((s, v, j) => s + v * (b[j] as number), 0);

/** TAR and FAR of scored pairs at a threshold. */
export function atThreshold(s: Scored[], threshold: number) {
  const gen = s.filter((p) => p.same), imp = s.filter((p) => !p.same);
  return { threshold, tar: gen.filter((p) => p.score >= threshold).length / gen.length, far: imp.filter((p) => p.score >= threshold).length / imp.length, genuine: gen.length, impostors: imp.length };
}

export async function pairScores(data: EvalData, d: { defense: DifferentiableDefense; recognizer: Objective }, pairs: Pair[], label: string, rng: () => number): Promise<Scored[]> {
  const paths = [...new Set(pairs.flatMap((p) => [p.a, p.b]))].filter((p) => data.hasFace(p));
  const emb = new Map<string, Float32Array>();
  const bar = progress(label, paths.length);
  for (let i = 0; i < paths.length; i += 32) {
    const chunk = paths.slice(i, i + 32);
    const e = await d.recognizer.embed(chunk.map((p) => data.face(p) as Float32Array), d.defense, rng);
    chunk.forEach((p, k) => { emb.set(p, e[k] as Float32Array); bar.tick(); });
  }
  bar.done();
  return pairs.map((p) => ({ fold: p.fold, same: p.same, score: emb.has(p.a) && emb.has(p.b) ? cosine(emb.get(p.a) as Float32Array, emb.get(p.b) as Float32Array) : -1 }));
}
