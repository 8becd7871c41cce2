/** @module Seeded randomness: mulberry32, small and fast, the same stream in every runtime. */

/** Uniform deviates in (0, 1) from a 32-bit seed. */
export function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
}

/** Standard normal deviates (Box-Muller over `uniform`). */
export function gaussian(seed: number): () => number {
  const u = uniform(seed);
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/** A fresh seed when the caller gave none; crypto.getRandomValues exists in every runtime we target. */
export const randomSeed = (): number => crypto.getRandomValues(new Uint32Array(1))[0] as number;
