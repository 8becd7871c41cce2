import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { readInt32File } from '../../scripts/lib/fit-faces.ts';

it('reads a small Int32Array file back as written, not the buffer pool it lands in', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pinface-int32-'));
  const file = join(dir, 'index');
  const index = Int32Array.from([3, -1, 0, 7, 1, 2]);
  writeFileSync(file, new Uint8Array(index.buffer));
  // Other small allocations first, so the pool the read lands in holds bytes of theirs before it.
  for (let i = 0; i < 5; i++) Buffer.from(`pad ${i}`);
  expect(Array.from(readInt32File(file))).toEqual(Array.from(index));
});
