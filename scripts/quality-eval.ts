/**
 * @module npm run eval:quality -- [data folder] — what the quality option costs and what it buys.
 *
 * Every image of the LFW dev pairs (folds 1-8) and a sample of UTKFace goes through /v1/embed of
 * the in-process Node app (service default defense, one fixed seed per image): its status and, with
 * a face, the embedding and quality signals (cached in report/quality/cache, resumable). Per level:
 * the share of images refused, and of the genuine pairs the service's threshold (the calibrated
 * FAR-1e-3 one of the default mode) calls non-matches, the share a refusal removes; impostor pairs
 * that stay accepted. Folds 1-4 are where the levels' bounds were set; folds 5-8 and UTKFace's
 * report part are the figures to quote. Writes report/quality/results.md.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { calibratedThreshold } from '../src/calibration.ts';
import { defaultDefense } from '../src/config.ts';
import { type FaceQuality, QUALITY_BOUNDS, type QualityLevel, qualityShortfalls } from '../src/pipeline/quality.ts';
import { createNodeApp } from '../src/runtime/node.ts';
import { multipart } from './lib/load.ts';
import { repoRoot } from './lib/node-models.ts';
import { readPairs } from './lib/pairs.ts';
import { progress } from './lib/progress.ts';
import { utkPart } from './lib/utkface.ts';

const { values: args, positionals } = parseArgs({ allowPositionals: true, options: { 'utk-every': { type: 'string', default: '6' } } });
const dataDir = positionals[0] ?? join(repoRoot, '..', 'shared', 'data');
const outDir = join(repoRoot, 'report', 'quality');
const cacheFile = join(outDir, 'cache', 'embeddings.jsonl');
mkdirSync(join(outDir, 'cache'), { recursive: true });

interface Row { path: string; status: number; code?: string; embedding?: number[]; quality?: FaceQuality }
const rows = new Map<string, Row>();
if (existsSync(cacheFile)) for (const line of readFileSync(cacheFile, 'utf8').split('\n')) if (line) { const r = JSON.parse(line) as Row; rows.set(r.path, r); }

const pairs = readPairs(dataDir);
const utk = readdirSync(join(dataDir, 'utkface')).filter((f) => f.endsWith('.jpg')).sort().filter((_, i) => i % Number(args['utk-every']) === 0).map((f) => join('utkface', f));
const paths = [...new Set([...pairs.flatMap((p) => [p.a, p.b]), ...utk])].filter((p) => !rows.has(p));

const app = createNodeApp();
const bar = progress('quality', paths.length);
const seedOf = (p: string): string => String(createHash('sha256').update(p).digest().readUInt32LE(0));
for (const path of paths) {
  const { body, type } = await multipart({ image: new Uint8Array(readFileSync(join(dataDir, path))), seed: seedOf(path) });
  const res = await app.fetch(new Request('http://local/v1/embed', { method: 'POST', body, headers: { 'content-type': type } }), { PINFACE_AUTH: 'open' });
  const json = (await res.json()) as { code?: string; embedding?: number[]; face?: { quality: FaceQuality } };
  const row: Row = { path, status: res.status, ...(json.code ? { code: json.code } : {}), ...(json.embedding ? { embedding: json.embedding, quality: json.face?.quality } : {}) };
  rows.set(path, row);
  writeFileSync(cacheFile, `${JSON.stringify(row)}\n`, { flag: 'a' });
  bar.tick();
}
bar.done();

const mode = defaultDefense.mode;
const threshold = calibratedThreshold(mode);
const cos = (a: number[], b: number[]): number => a.reduce((s, v, i) => s + v * (b[i] as number), 0);
const refused = (p: string, level: QualityLevel): boolean => {
  const q = rows.get(p)?.quality;
  return q !== undefined && qualityShortfalls(q, level).length > 0;
};
const levels: QualityLevel[] = ['none', 'low', 'medium', 'high'];
const pct = (a: number, n: number): string => (n ? `${((100 * a) / n).toFixed(2)} %` : '-');

function table(name: string, folds: number[]): string[] {
  const ps = pairs.filter((p) => folds.includes(p.fold));
  const images = [...new Set(ps.flatMap((p) => [p.a, p.b]))].filter((p) => rows.get(p)?.quality);
  const scored = ps.map((p) => {
    const a = rows.get(p.a)?.embedding, b = rows.get(p.b)?.embedding;
    return { ...p, score: a && b ? cos(a, b) : -1 };
  });
  const fnm = scored.filter((p) => p.same && p.score < threshold);
  const out = [`### ${name}`, '', `${images.length} images with a face, ${ps.filter((p) => p.same).length} genuine pairs of which ${fnm.length} are false non-matches at ${threshold.toFixed(4)} (${mode}, FAR 1e-3).`, '',
    '| quality | images refused | false non-matches removed | genuine pairs refused | TAR of the pairs kept | impostor pairs accepted |', '|---|---|---|---|---|---|'];
  for (const level of levels) {
    const gone = (p: { a: string; b: string }): boolean => refused(p.a, level) || refused(p.b, level);
    const genuine = scored.filter((p) => p.same), kept = genuine.filter((p) => !gone(p));
    const impostorsKept = scored.filter((p) => !p.same && !gone(p));
    out.push(`| ${level} | ${pct(images.filter((p) => refused(p, level)).length, images.length)} | ${pct(fnm.filter(gone).length, fnm.length)} (${fnm.filter(gone).length} of ${fnm.length}) | ${pct(genuine.length - kept.length, genuine.length)} | ${pct(kept.filter((p) => p.score >= threshold).length, kept.length)} | ${impostorsKept.filter((p) => p.score >= threshold).length} of ${impostorsKept.length} |`);
  }
  return [...out, ''];
}

const utkReport = utk.filter((p) => utkPart(p.split('/').pop() as string) === 'report' && rows.get(p)?.quality);
const noFace = (list: string[]) => list.filter((p) => rows.get(p)?.code === 'no_face').length;
const md = [
  `# Quality levels (npm run eval:quality, ${new Date().toISOString().slice(0, 10)})`, '',
  `Bounds per level (src/pipeline/quality.ts): ${Object.entries(QUALITY_BOUNDS).map(([l, b]) => `${l}: face >= ${b.minFaceSize} px, sharpness >= ${b.minSharpness}, |yaw| <= ${b.maxYaw}, |pitch| <= ${b.maxPitch}, |roll| <= ${b.maxRoll}, brightness ${b.minBrightness}-${b.maxBrightness}, clipped <= ${b.maxClipped * 100} %, feature norm >= ${b.minFeatureNorm}`).join('; ')}.`, '',
  ...table('Dev folds 5-8 (report: the figures to quote)', [5, 6, 7, 8]),
  ...table('Dev folds 1-4 (where the bounds were set)', [1, 2, 3, 4]),
  `### UTKFace, report part (sample: every ${args['utk-every']}th image)`, '',
  `${utkReport.length} images with a face (${noFace(utk)} of the sample answered no_face).`, '',
  '| quality | images refused |', '|---|---|',
  ...levels.map((l) => `| ${l} | ${pct(utkReport.filter((p) => refused(p, l)).length, utkReport.length)} |`), '',
];
writeFileSync(join(outDir, 'results.md'), `${md.join('\n')}\n`);
console.log(md.join('\n'));
