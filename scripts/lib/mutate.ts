/**
 * @module Mutations for fuzzing image decoders through the API: byte-level damage (flips,
 * overwrites with boundary values, truncation, insertion, deletion, duplication), header smashing
 * and splices across formats. Deterministic for a given random stream.
 */

export type Random = () => number;
type Mutator = (b: Uint8Array, rnd: Random, seeds: readonly Uint8Array[]) => Uint8Array;

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0xd8, 0xd9, 0xda, 0xc0, 0xc4, 0xdb];
const int = (rnd: Random, n: number): number => Math.floor(rnd() * n);
const pos = (b: Uint8Array, rnd: Random): number => int(rnd, Math.max(1, b.length));
// A few bytes mean damage early in the file (headers, tables), where decoders branch most.
const biasedPos = (b: Uint8Array, rnd: Random): number => (rnd() < 0.5 ? int(rnd, Math.min(b.length, 256) || 1) : pos(b, rnd));

const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};

export const mutators: Record<string, Mutator> = {
  flipBits(b, rnd) {
    const out = b.slice();
    for (let k = 1 + int(rnd, 8); k > 0 && out.length; k--) { const i = biasedPos(out, rnd); out[i] = (out[i] as number) ^ (1 << int(rnd, 8)); }
    return out;
  },
  interestingBytes(b, rnd) {
    const out = b.slice();
    for (let k = 1 + int(rnd, 6); k > 0 && out.length; k--) out[biasedPos(out, rnd)] = INTERESTING[int(rnd, INTERESTING.length)] as number;
    return out;
  },
  randomRun(b, rnd) {
    const out = b.slice();
    const at = biasedPos(out, rnd);
    for (let i = at; i < Math.min(out.length, at + 1 + int(rnd, 64)); i++) out[i] = int(rnd, 256);
    return out;
  },
  truncate: (b, rnd) => b.slice(0, pos(b, rnd)),
  appendGarbage: (b, rnd) => concat(b, Uint8Array.from({ length: 1 + int(rnd, 512) }, () => int(rnd, 256))),
  insertChunk(b, rnd) {
    const at = biasedPos(b, rnd);
    return concat(b.subarray(0, at), Uint8Array.from({ length: 1 + int(rnd, 128) }, () => int(rnd, 256)), b.subarray(at));
  },
  deleteChunk(b, rnd) {
    const at = biasedPos(b, rnd);
    return concat(b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + int(rnd, 256))));
  },
  duplicateChunk(b, rnd) {
    const at = pos(b, rnd), len = 1 + int(rnd, 1024);
    return concat(b.subarray(0, at), b.subarray(at, at + len), b.subarray(at));
  },
  /** Width/height/length fields sit in the first bytes of all three formats: set 2-4 of them to extremes. */
  smashHeader(b, rnd) {
    const out = b.slice();
    const at = int(rnd, Math.min(out.length, 40) || 1);
    for (let i = at; i < Math.min(out.length, at + 2 + int(rnd, 3)); i++) out[i] = rnd() < 0.5 ? 0xff : 0x00;
    return out;
  },
  spliceSeeds(b, rnd, seeds) {
    const other = seeds[int(rnd, seeds.length)] as Uint8Array;
    return concat(b.subarray(0, pos(b, rnd)), other.subarray(pos(other, rnd)));
  },
};

const names = Object.keys(mutators);

/** 1-4 mutations of one seed; returns the bytes and the mutation names (for a reproducible report). */
export function mutate(seeds: readonly Uint8Array[], rnd: Random): { bytes: Uint8Array<ArrayBuffer>; seed: number; applied: string[] } {
  const seed = int(rnd, seeds.length);
  let bytes: Uint8Array = seeds[seed] as Uint8Array;
  const applied: string[] = [];
  for (let k = 1 + int(rnd, 4); k > 0; k--) {
    const name = names[int(rnd, names.length)] as string;
    bytes = (mutators[name] as Mutator)(bytes, rnd, seeds);
    applied.push(name);
  }
  return { bytes: new Uint8Array(bytes), seed, applied };
}
