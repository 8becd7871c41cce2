/**
 * Two processes writing the same file at once, as the two lanes of a worst-case run do when both align the faces on
 * a fresh machine: with one shared name aside, one process renamed the other's aside away and crashed (ENOENT).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'pinface-write-aside-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeAside', () => {
  it('lets two processes write the same file at once: neither fails, the file is whole, nothing is left aside', async () => {
    const target = join(dir, 'faces.f32');
    const writer = join(dir, 'writer.ts');
    writeFileSync(writer, `import { writeAside } from ${JSON.stringify(pathToFileURL(resolve('scripts/lib/write-aside.ts')).href)};
const bytes = new Uint8Array(1 << 16).fill(7);
for (let i = 0; i < 400; i++) writeAside(${JSON.stringify(target)}, bytes);
`);
    const run = () => new Promise<number | null>((done) => {
      spawn(join('node_modules', '.bin', 'tsx'), [writer], { stdio: 'ignore' }).on('exit', done);
    });
    expect(await Promise.all([run(), run()])).toEqual([0, 0]);
    expect(readFileSync(target)).toEqual(Buffer.alloc(1 << 16, 7));
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
