/**
 * @module make-face-fixtures: `npx tsx scripts/make-face-fixtures.ts [dataDir]` crops a few
 * LFW development images into small test fixtures (allowed by the data README: small crops for
 * tests, never shipped in the package). Deterministic: same inputs, same bytes.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import decode, { init as initDecode } from '@jsquash/jpeg/decode';
import encode, { init as initEncode } from '@jsquash/jpeg/encode';
import { repoRoot } from './lib/node-models.ts';

const dataDir = resolve(process.argv[2] ?? join(repoRoot, '..', 'shared', 'data'));
const out = join(repoRoot, 'test', 'fixtures', 'faces');
const wasm = (p: string) => WebAssembly.compile(readFileSync(join(repoRoot, 'node_modules/@jsquash/jpeg/codec', p)));
await initDecode(await wasm('dec/mozjpeg_dec.wasm'));
await initEncode(await wasm('enc/mozjpeg_enc.wasm'));

const CROP = 160; // of the 250x250 deep-funneled frame, centred: the face and a margin
interface Img { width: number; height: number; data: Uint8ClampedArray }

const crop = (img: Img): Img => {
  const x0 = (img.width - CROP) >> 1, y0 = (img.height - CROP) >> 1;
  const data = new Uint8ClampedArray(CROP * CROP * 4);
  for (let y = 0; y < CROP; y++) data.set(img.data.subarray(((y0 + y) * img.width + x0) * 4, ((y0 + y) * img.width + x0 + CROP) * 4), y * CROP * 4);
  return { width: CROP, height: CROP, data };
};

const side = (a: Img, b: Img): Img => {
  const w = a.width + b.width, h = Math.max(a.height, b.height);
  const data = new Uint8ClampedArray(w * h * 4).fill(255);
  for (let y = 0; y < h; y++) {
    if (y < a.height) data.set(a.data.subarray(y * a.width * 4, (y + 1) * a.width * 4), y * w * 4);
    if (y < b.height) data.set(b.data.subarray(y * b.width * 4, (y + 1) * b.width * 4), (y * w + a.width) * 4);
  }
  return { width: w, height: h, data };
};

const load = async (rel: string): Promise<Img> => crop((await decode(readFileSync(join(dataDir, rel)).buffer as ArrayBuffer)) as Img);
const save = async (name: string, img: Img): Promise<void> => {
  const bytes = new Uint8Array(await encode(img as unknown as ImageData, { quality: 90 }));
  writeFileSync(join(out, name), bytes);
  console.log(`${name} ${img.width}x${img.height} ${bytes.length} B`);
};

mkdirSync(out, { recursive: true });
const a1 = await load('lfw/Angela_Bassett/Angela_Bassett_0001.jpg');
const a2 = await load('lfw/Angela_Bassett/Angela_Bassett_0005.jpg');
const b1 = await load('lfw/Abel_Pacheco/Abel_Pacheco_0001.jpg');
await save('person-a-1.jpg', a1);
await save('person-a-2.jpg', a2);
await save('person-b-1.jpg', b1);
await save('two-faces.jpg', side(a1, b1));
