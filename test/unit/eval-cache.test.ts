import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chunksOf, joinChunks, sequentially, unitCache } from '../../eval/cache.ts';

// The full worst-case preset runs for a day in chunks cached one by one: these are the rules a
// resumed run relies on (the same names, the same pairs, the same seeds, nothing half-written).
describe('evaluation units in chunks', () => {
  const dirs: string[] = [];
  afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

  it('keeps one unit up to oneUnit pairs, else one per chunk covering every pair once, in order', () => {
    expect(chunksOf('apgd', 40, { oneUnit: 50, size: 10 })).toEqual([{ name: 'apgd', idx: Array.from({ length: 40 }, (_, i) => i), salt: 0 }]);
    const parts = chunksOf('square', 205, { oneUnit: 50, size: 10 });
    expect(parts.map((c) => c.name).slice(0, 2)).toEqual(['square-pairs0-10', 'square-pairs10-20']);
    expect(parts.at(-1)).toEqual({ name: 'square-pairs200-205', idx: [200, 201, 202, 203, 204], salt: 200 });
    expect(parts.flatMap((c) => c.idx)).toEqual(Array.from({ length: 205 }, (_, i) => i));
    // Each chunk seeds its own draws: two chunks never replay the same random stream.
    expect(new Set(parts.map((c) => c.salt)).size).toBe(parts.length);
  });

  it('joins per-chunk results back into pair order, per key', () => {
    expect(joinChunks([{ eps: [1, 2], fooled: [true, false] }, { eps: [3], fooled: [true] }])).toEqual({ eps: [1, 2, 3], fooled: [true, false, true] });
    expect(joinChunks([])).toEqual({});
  });

  it('resumes after an interruption: finished chunks are read back, the failed one and the rest run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pinface-units-'));
    dirs.push(dir);
    const { cached } = unitCache(dir);
    const parts = chunksOf('rays', 30, { oneUnit: 5, size: 10 });
    const ran: string[] = [];
    const work = (failAt?: string) => (c: { name: string; idx: number[] }) => cached(c.name, async () => {
      ran.push(c.name);
      if (c.name === failAt) throw new Error('interrupted');
      return c.idx.map((i) => i * 2);
    });
    await expect(sequentially(parts, work('rays-pairs10-20'))).rejects.toThrow('interrupted');
    expect(ran).toEqual(['rays-pairs0-10', 'rays-pairs10-20']);
    // Nothing half-written: only the finished unit is on disk.
    expect(readdirSync(dir)).toEqual(['rays-pairs0-10.json']);
    ran.length = 0;
    const out = await sequentially(parts, work());
    expect(ran).toEqual(['rays-pairs10-20', 'rays-pairs20-30']);
    expect(out.flat()).toEqual(Array.from({ length: 30 }, (_, i) => i * 2));
  });
});
