/**
 * @module make-attack-fixtures: `npx tsx scripts/make-attack-fixtures.ts [dataDir]` aligns the
 * faces of a few dev pairs of fold 1 (a tuning fold, never a reported one) with the product's
 * pipeline and stores them as 8-bit grayscale 112x112 in test/fixtures/attack/: the small fixed
 * pair set the attack sanity tests run on. Deterministic: same inputs, same bytes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { alignedFaces, D } from './lib/fit-faces.ts';
import { repoRoot } from './lib/node-models.ts';
import { readPairs } from './lib/pairs.ts';

const PER_KIND = 4;
const dataDir = resolve(process.argv[2] ?? join(repoRoot, '..', 'shared', 'data'));
const fold1 = readPairs(dataDir).filter((p) => p.fold === 1);
const pairs = [...fold1.filter((p) => p.same).slice(0, PER_KIND), ...fold1.filter((p) => !p.same).slice(0, PER_KIND)];
const paths = [...new Set(pairs.flatMap((p) => [p.a, p.b]))];
const { faces, index } = await alignedFaces(dataDir, paths, false, 'first-pass');
const out = join(repoRoot, 'test', 'fixtures', 'attack');
mkdirSync(out, { recursive: true });
const bytes = new Uint8Array(paths.length * D);
paths.forEach((_, i) => {
  const row = index[i] as number;
  if (row < 0) throw new Error(`no face in ${paths[i]}`);
  // Stored as the 0-255 pixels the attacks work on: aligned planes are (v - 127) / 128.
  for (let j = 0; j < D; j++) bytes[i * D + j] = Math.max(0, Math.min(255, Math.round((faces[row * D + j] as number) * 128 + 127)));
});
writeFileSync(join(out, 'faces.u8'), bytes);
writeFileSync(join(out, 'pairs.json'), `${JSON.stringify({
  note: 'Aligned grayscale 112x112 faces (u8, row-major, one after another in faces.u8) of dev_pairs fold 1; made by scripts/make-attack-fixtures.ts.',
  faces: paths.map((p) => p.split('/').pop()),
  pairs: pairs.map((p) => ({ same: p.same, a: paths.indexOf(p.a), b: paths.indexOf(p.b) })),
}, null, 2)}\n`);
console.log(`[pinface] ${paths.length} faces, ${pairs.length} pairs -> ${out}`);
