/**
 * @module npm run eval:detection -- [data folder] [--limit N] — how often the detector finds the face.
 *
 * Sets, each image known to hold one face: UTKFace (tight crops: the face fills the frame), LFW
 * dev (250x250, face centred), LFW stored turned with an EXIF orientation (3, 6, 8), and LFW faces
 * drawn small into a 3000x2250 photo (decoded at 1/2, the face ~55 px of 1500). Per set, the no-face rate of the first detector pass alone and
 * of the service's three passes (plain, with a border, in tiles). Every remaining miss is listed
 * with its kind in report/detection/misses.tsv; the table goes to report/detection/results.md.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultDetectorOptions, defaultLimits } from '../src/config.ts';
import { decodeImage } from '../src/pipeline/decode/index.ts';
import { applyOrientation } from '../src/pipeline/decode/orient.ts';
import { detectFaces } from '../src/pipeline/detect.ts';
import type { RgbaImage } from '../src/pipeline/image.ts';
import { createDecoders } from '../src/wasm/codecs.ts';
import { prng, withExifOrientation } from '../test/helpers/images.ts';
import { loadEncoders } from '../test/helpers/wasm.ts';
import { nodeCodecModules } from './lib/node-codecs.ts';
import { nodeRunner, repoRoot } from './lib/node-models.ts';
import { progress } from './lib/progress.ts';

const { values: args, positionals } = parseArgs({ allowPositionals: true, options: { limit: { type: 'string', default: '0' } } });
const dataDir = positionals[0] ?? join(repoRoot, '..', 'shared', 'data');
const limit = Number(args.limit);
const cap = <T>(xs: T[]): T[] => (limit > 0 ? xs.slice(0, limit) : xs);
const outDir = join(repoRoot, 'report', 'detection');

const decoders = createDecoders(await nodeCodecModules());
const detector = await nodeRunner('fr_detect.onnx');
const enc = await loadEncoders();

const utk = cap(readdirSync(join(dataDir, 'utkface')).filter((f) => f.endsWith('.jpg')).sort().map((f) => join('utkface', f)));
const lfw = cap(readdirSync(join(dataDir, 'lfw')).sort().flatMap((p) => readdirSync(join(dataDir, 'lfw', p)).sort().map((f) => join('lfw', p, f))));
// Every 20th LFW image for the derived sets (deterministic).
const derived = lfw.filter((_, i) => i % 20 === 0);

type Case = { set: string; path: string; bytes: () => Promise<Uint8Array<ArrayBuffer>> };
const read = (p: string) => async () => new Uint8Array(readFileSync(join(dataDir, p)));
const toRgba = async (p: string): Promise<RgbaImage> => decoders.jpeg(new Uint8Array(readFileSync(join(dataDir, p))));
const ORIENT = { 3: 3, 6: 8, 8: 6 } as const; // store turned the other way, tag so that upright is the original
const turned = (p: string, i: number) => async () => {
  const o = ([3, 6, 8] as const)[i % 3] as 3 | 6 | 8;
  const img = applyOrientation(await toRgba(p), ORIENT[o]);
  return withExifOrientation(await enc.jpeg({ width: img.width, height: img.height, data: new Uint8ClampedArray(img.data) }, { quality: 90 }), o);
};
const small = (p: string, i: number) => async () => {
  const face = await toRgba(p);
  const W = 3000, H = 2250;
  const data = new Uint8ClampedArray(W * H * 4);
  const next = prng(i);
  const x0 = Math.floor(next() * (W - face.width)), y0 = Math.floor(next() * (H - face.height));
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const o = (y * W + x) * 4;
      const inside = x >= x0 && x < x0 + face.width && y >= y0 && y < y0 + face.height;
      const s = ((y - y0) * face.width + (x - x0)) * 4;
      for (let c = 0; c < 3; c++) data[o + c] = inside ? (face.data[s + c] as number) : 100 + 50 * Math.sin((x + 3 * c) / 97) * Math.cos(y / 131);
      data[o + 3] = 255;
    }
  }
  return enc.jpeg({ width: W, height: H, data }, { quality: 90 });
};
const cases: Case[] = [
  ...utk.map((path) => ({ set: 'UTKFace (200x200 tight crops)', path, bytes: read(path) })),
  ...lfw.map((path) => ({ set: 'LFW dev (250x250)', path, bytes: read(path) })),
  ...derived.map((path, i) => ({ set: 'LFW stored turned, EXIF 3/6/8', path, bytes: turned(path, i) })),
  ...derived.filter((_, i) => i % 2 === 0).map((path, i) => ({ set: 'LFW face in a 3000x2250 photo (face ~110 px)', path, bytes: small(path, i) })),
];

const bar = progress('detection', cases.length);
const rows = new Map<string, { n: number; miss1: number; miss3: number; multi: number }>();
const misses: string[] = ['set\tpath\tkind'];
for (const c of cases) {
  const img = await decodeImage(await c.bytes(), decoders, defaultLimits);
  const one = await detectFaces(img, detector, defaultDetectorOptions, 1);
  const all = one.length ? one : await detectFaces(img, detector, defaultDetectorOptions, 3);
  const r = rows.get(c.set) ?? { n: 0, miss1: 0, miss3: 0, multi: 0 };
  r.n++;
  if (!one.length) r.miss1++;
  if (!all.length) {
    r.miss3++;
    misses.push(`${c.set}\t${c.path}\tno face (all passes)`);
  } else if (all.length > 1) r.multi++;
  rows.set(c.set, r);
  bar.tick();
}
bar.done();
const pct = (a: number, n: number) => `${((100 * a) / n).toFixed(2)} % (${a})`;
const md = [
  `# Detection recall (npm run eval:detection, ${new Date().toISOString().slice(0, 10)})`, '',
  `Detector fr_detect.onnx, score >= ${defaultDetectorOptions.scoreThreshold}, min face ${defaultDetectorOptions.minFaceSize} px; limits as Node's defaults (JPEGs above ${defaultLimits.reducedScaleAbove} pixels at reduced scale).`, '',
  '| set | images | no face, first pass only | no face, the service (plain, border, tiles) | more than one face found |', '|---|---|---|---|---|',
  ...[...rows].map(([set, r]) => `| ${set} | ${r.n} | ${pct(r.miss1, r.n)} | ${pct(r.miss3, r.n)} | ${pct(r.multi, r.n)} |`),
  '', `Remaining misses: report/detection/misses.tsv (${misses.length - 1}).`,
].join('\n');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'results.md'), `${md}\n`);
writeFileSync(join(outDir, 'misses.tsv'), `${misses.join('\n')}\n`);
console.log(md);
