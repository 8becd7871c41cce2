/** @module Decide: cosine similarity of two unit embeddings against a calibrated threshold. */

export interface Decision {
  match: boolean;
  similarity: number;
  threshold: number;
}

export const cosine = (p: Float32Array, q: Float32Array): number => {
  if (p.length !== q.length) throw new Error(`[pinface] [decide] embedding sizes differ: ${p.length} vs ${q.length}`);
  let dot = 0, np = 0, nq = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i] as number, b = q[i] as number;
    dot += a * b; np += a * a; nq += b * b;
  }
  return np > 0 && nq > 0 ? dot / Math.sqrt(np * nq) : 0;
};

export const decide = (p: Float32Array, q: Float32Array, threshold: number): Decision => {
  const similarity = cosine(p, q);
  return { match: similarity >= threshold, similarity, threshold };
};
