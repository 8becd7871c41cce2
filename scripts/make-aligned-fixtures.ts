/**
 * @module make-aligned-fixtures: `npx tsx scripts/make-aligned-fixtures.ts` writes the product's
 * own aligned 112x112 crops of the person-a fixtures (crops=true) as grayscale PNGs, the inputs
 * of the aligned=true tests. Deterministic: same models and photos, same bytes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng } from '../eval/png.ts';
import { repoRoot } from './lib/node-models.ts';
import { localVerify } from './lib/local-app.ts';

const dir = join(repoRoot, 'test', 'fixtures', 'faces');
const photo = (name: string) => new Uint8Array(readFileSync(join(dir, name)));
const res = await localVerify()({ source: photo('person-a-1.jpg'), target: photo('person-a-2.jpg'), crops: 'true', defense: 'none' });
const out = (await res.json()) as { faces: Record<'source' | 'target', { crops: { size: number; aligned: string } }> };
for (const [side, name] of [['source', 'aligned-a-1.png'], ['target', 'aligned-a-2.png']] as const) {
  const { size, aligned } = out.faces[side].crops;
  writeFileSync(join(dir, name), encodePng(Buffer.from(aligned, 'base64'), size, size, 1));
  console.log(`[pinface] wrote ${join(dir, name)}`);
}
