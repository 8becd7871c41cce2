/**
 * @module Units of evaluation work cached on disk: each runs once per key, its result written
 * aside and renamed (an interrupted run never leaves half a unit), later and resumed runs read
 * it back. Shared by npm run eval and npm run eval:worst-case.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FACE_PIXELS } from './attacks/objective.ts';

export interface UnitCache {
  /** A JSON-serialisable result per key. */
  cached<T>(key: string, work: () => Promise<T>): Promise<T>;
  /** Adversarial faces, stored once as f32, so a defense added later is only judged, not attacked again. */
  cachedFaces(key: string, work: () => Promise<Float32Array[]>): Promise<Float32Array[]>;
}

export function unitCache(dir: string): UnitCache {
  mkdirSync(dir, { recursive: true });
  async function cachedUnit<T>(key: string, ext: string, work: () => Promise<T>, encode: (v: T) => string | Uint8Array, decode: (b: Buffer) => T): Promise<T> {
    const file = join(dir, `${key.replace(/[^A-Za-z0-9_.-]/g, '_')}.${ext}`);
    if (existsSync(file)) return decode(readFileSync(file));
    const v = await work();
    writeFileSync(`${file}.tmp`, encode(v));
    renameSync(`${file}.tmp`, file);
    return v;
  }
  return {
    // Infinity (a pair no budget broke) survives the round trip; JSON alone would make it null.
    cached: <T>(key: string, work: () => Promise<T>) =>
      cachedUnit(key, 'json', work, (v) => JSON.stringify(v, (_k, x) => (x === Infinity ? 'Infinity' : x)), (b) => JSON.parse(b.toString('utf8'), (_k, x) => (x === 'Infinity' ? Infinity : x)) as T),
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
