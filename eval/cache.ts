/**
 * @module Units of evaluation work cached on disk: each runs once per key, its result written
 * aside and renamed (an interrupted run never leaves half a unit), later and resumed runs read
 * it back. Shared by npm run eval and npm run eval:worst-case.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeAside } from '../scripts/lib/write-aside.ts';
import { FACE_PIXELS } from './attacks/objective.ts';

export interface UnitCache {
  /** A JSON-serialisable result per key. */
  cached<T>(key: string, work: () => Promise<T>): Promise<T>;
  /** Adversarial faces, stored once as f32, so a defense added later is only judged, not attacked again. */
  cachedFaces(key: string, work: () => Promise<Float32Array[]>): Promise<Float32Array[]>;
}

/** A unit's file name without its extension (keys may hold characters a file name should not). */
export const unitFileName = (key: string): string => key.replace(/[^A-Za-z0-9_.-]/g, '_');

// Infinity (a pair no budget broke) survives the round trip; JSON alone would make it null.
const keepInfinity = (_k: string, x: unknown) => (x === Infinity ? 'Infinity' : x);
const reviveInfinity = (_k: string, x: unknown) => (x === 'Infinity' ? Infinity : x);

/** A finished JSON unit read back by its file name (as unitFiles lists it), for a plan that loads no model. */
export const readUnit = (dir: string, file: string): unknown => JSON.parse(readFileSync(join(dir, `${file}.json`), 'utf8'), reviveInfinity);

export function unitCache(dir: string): UnitCache {
  mkdirSync(dir, { recursive: true });
  async function cachedUnit<T>(key: string, ext: string, work: () => Promise<T>, encode: (v: T) => string | Uint8Array, decode: (b: Buffer) => T): Promise<T> {
    const file = join(dir, `${unitFileName(key)}.${ext}`);
    if (existsSync(file)) return decode(readFileSync(file));
    const v = await work();
    writeAside(file, encode(v));
    return v;
  }
  return {
    cached: <T>(key: string, work: () => Promise<T>) =>
      cachedUnit(key, 'json', work, (v) => JSON.stringify(v, keepInfinity), (b) => JSON.parse(b.toString('utf8'), reviveInfinity) as T),
    cachedFaces: (key, work) =>
      cachedUnit(key, 'f32', work, (faces) => {
        const all = new Float32Array(faces.length * FACE_PIXELS);
        faces.forEach((f, i) => all.set(f, i * FACE_PIXELS));
        return new Uint8Array(all.buffer);
      }, (b) => {
        const all = new Float32Array(new Uint8Array(b).buffer);
        return Array.from({ length: all.length / FACE_PIXELS }, (_, i) => all.slice(i * FACE_PIXELS, (i + 1) * FACE_PIXELS));
      }),
  };
}

/** The pairs of one chunk: their indices into the whole task, and a salt that seeds the chunk's own draws. */
export interface Chunk { name: string; idx: number[]; salt: number }

/**
 * How a run of `n` pairs splits into cached units: one unit for the whole run up to `oneUnit` pairs
 * (the quick and medium presets keep their cache names), else one per `size` consecutive pairs,
 * named by their range, so a run interrupted after hours loses one chunk, not the attack.
 */
export function chunksOf(name: string, n: number, { oneUnit, size }: { oneUnit: number; size: number }): Chunk[] {
  const all = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);
  if (n <= oneUnit) return [{ name, idx: all(0, n), salt: 0 }];
  return Array.from({ length: Math.ceil(n / size) }, (_, c) => {
    const from = c * size, to = Math.min(n, from + size);
    return { name: `${name}-pairs${from}-${to}`, idx: all(from, to), salt: from };
  });
}

/** Each chunk's work after the one before (each is hours of CPU; in turn, a finished chunk is cached before the next starts). */
export async function sequentially<T>(chunks: Chunk[], run: (c: Chunk) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (const c of chunks) out.push(await run(c));
  return out;
}

/** Per-chunk results of per-pair arrays joined back into one array per key, in pair order. */
export function joinChunks<T extends Record<string, unknown[]>>(parts: T[]): T {
  const keys = Object.keys(parts[0] ?? {});
  return Object.fromEntries(keys.map((k) => [k, parts.flatMap((p) => p[k] as unknown[])])) as T;
}

/** How long one computed unit took, appended to <cache>/timings.jsonl: what a plan of the rest is estimated from. */
export interface UnitTiming { defense: string; attack: string; minutes: number; threads: number; at: string; /** onnxruntime's graph optimisation level (eval/grad/ort-options.ts); absent in units timed before it was chosen. */ level?: string }

export function recordTiming(dir: string, t: UnitTiming): void {
  appendFileSync(join(dir, 'timings.jsonl'), `${JSON.stringify(t)}\n`);
}

export function readTimings(dir: string): UnitTiming[] {
  const file = join(dir, 'timings.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as UnitTiming);
}

/** The unit files of a cache directory (name without extension), for a plan that must not load any model. */
export const unitFiles = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((f) => /\.(json|f32)$/.test(f)).map((f) => f.replace(/\.(json|f32)$/, '')) : []);
