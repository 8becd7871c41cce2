/**
 * @module fit: `npm run fit [-- --data <dir>] [--sources lfw,utk] [--augment 1] [--k 2500] [--fit-k 2500]
 *   [--format i8|f16|f32] [--seed 1] [--fresh]` fits the immune space: aligned grayscale faces (our own
 * pipeline) of the calibration people only (LFW dev people outside dev folds 5-8, and UTKFace's
 * fit part when the data folder has it), each with its mirror image and `augment` seeded
 * photometric variants (gamma, contrast, blur or JPEG re-encoding), so the basis spans the
 * lighting and compression of real uploads -> mean face and the top fit-k eigenfaces by seeded
 * randomized subspace iteration, every large product on the SIMD kernel. The first k are stored in
 * `format` as models/immune-space.bin (sha256 into the manifest); the full f32 fit goes to
 * .cache/fit/ for `npm run sweep`. Same data + seed = the same bytes.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gaussianBlur, jpeg, nodeJpegCodec, type FaceTransform } from '../eval/defenses/transforms.ts';
import { uniform } from '../src/immune/rng.ts';
import { parseSpace, serializeSpace, type BasisFormat } from '../src/immune/space-file.ts';
import { ALIGNED_SIZE } from '../src/pipeline/align.ts';
import { FEATURE_NORMALIZE } from '../src/pipeline/embed.ts';
import { population, SOURCES, type Source } from './lib/calibration/population.ts';
import { alignedFaces, D, EVAL_FOLDS, mirror, pipelineFingerprint } from './lib/fit-faces.ts';
import { nodeKernel } from './lib/node-kernel.ts';
import { chunkedLinalg, randomizedPca } from './lib/pca.ts';
import { recordInManifest, repoRoot } from './lib/node-models.ts';
import { progress } from './lib/progress.ts';
import { sha256Hex } from './lib/hash.ts';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: join(repoRoot, '..', 'shared', 'data') },
    sources: { type: 'string', default: 'lfw,utk' },
    augment: { type: 'string', default: '1' },
    k: { type: 'string', default: '2500' },
    'fit-k': { type: 'string', default: '2500' },
    format: { type: 'string', default: 'i8' },
    seed: { type: 'string', default: '1' },
    'power-iterations': { type: 'string', default: '2' },
    out: { type: 'string', default: join(repoRoot, 'models', 'immune-space.bin') },
    /** Fit again even when the full fit is cached (a reproducibility check). */
    fresh: { type: 'boolean', default: false },
  },
});
const k = Number(args.k), fitK = Math.max(k, Number(args['fit-k'])), seed = Number(args.seed), augment = Number(args.augment);
const format = args.format as BasisFormat;
const sources = args.sources.split(',').filter(Boolean) as Source[];
if (!['i8', 'f16', 'f32'].includes(format)) throw new Error(`--format must be i8, f16 or f32, not ${format}`);
if (sources.some((s) => !SOURCES.includes(s))) throw new Error(`--sources takes ${SOURCES.join(', ')}`);
const log = (msg: string): void => console.error(`[pinface] [fit] ${msg}`);
const t0 = performance.now();
const elapsed = (): string => `${((performance.now() - t0) / 1000).toFixed(0)} s`;

const dataDir = resolve(args.data);
const pop = population(dataDir);
// The aligned faces of every image, cached once for fit, calibration and training alike.
const { faces: aligned, index } = await alignedFaces(dataDir, pop.paths, false, 'first-pass');
const chosen = pop.paths.map((_, i) => i).filter((i) => pop.role[i] === 'calibration' && sources.includes(pop.source[i] as Source));
const withFace = chosen.filter((i) => (index[i] as number) >= 0);
const perFace = 2 * (1 + augment);
const n = withFace.length * perFace;
log(`${chosen.length} images of the calibration people (${sources.join(' + ')}; dev folds ${EVAL_FOLDS.join(',')} and UTKFace's report part left out), ${chosen.length - withFace.length} without a face; ${n} faces with mirrors and ${augment} photometric variant(s) each`);

// Photometric variants: one seeded transform per copy, on 0-255 gray as a camera would apply it.
const codec = await nodeJpegCodec();
const toPixels = (f: Float32Array): Float32Array => f.map((v) => Math.max(0, Math.min(255, v * FEATURE_NORMALIZE.scale + FEATURE_NORMALIZE.mean)));
const fromPixels = (p: Float32Array): Float32Array => p.map((v) => (v - FEATURE_NORMALIZE.mean) / FEATURE_NORMALIZE.scale);
const variant = (rnd: () => number): { name: string; t: FaceTransform } => {
  const kind = Math.floor(rnd() * 4);
  if (kind === 0) { const g = Math.exp((rnd() - 0.5) * 0.8); return { name: 'gamma', t: (f) => f.map((v) => 255 * (v / 255) ** g) }; }
  if (kind === 1) { const c = 0.7 + 0.6 * rnd(); return { name: 'contrast', t: (f) => { const m = f.reduce((a, b) => a + b, 0) / f.length; return f.map((v) => m + c * (v - m)); } }; }
  if (kind === 2) return { name: 'blur', t: gaussianBlur(0.5 + rnd()) };
  return { name: 'jpeg', t: jpeg(Math.round(35 + 55 * rnd()), codec) };
};
/** The fitting matrix: every face, its mirror, and their variants; `counts` tallies the variants drawn. */
async function fittingFaces(counts: Record<string, number>): Promise<Float32Array> {
const faces = new Float32Array(n * D);
const bar = progress('mirrors and photometric variants', withFace.length);
for (const [j, img] of withFace.entries()) {
  const r = index[img] as number;
  const face = aligned.subarray(r * D, (r + 1) * D);
  const rnd = uniform((Math.imul(img + 1, 0x9e3779b1) ^ seed) >>> 0);
  const base = j * perFace;
  for (const [m, f] of [face, mirror(face)].entries()) {
    faces.set(f, (base + m * (1 + augment)) * D);
    for (let a = 0; a < augment; a++) {
      const v = variant(rnd);
      counts[v.name] = (counts[v.name] ?? 0) + 1;
      faces.set(fromPixels(Float32Array.from(await v.t(toPixels(f), rnd))), (base + m * (1 + augment) + 1 + a) * D);
    }
  }
  bar.tick();
}
bar.done();
log(`variants: ${JSON.stringify(counts)} (${elapsed()})`);
return faces;
}

// The full f32 fit is cached under a key of everything it depends on: choosing another k or format reuses it.
const fitKey = createHash('sha256').update(`${pipelineFingerprint()}\n${JSON.stringify({ sources, augment, fitK, seed, pi: args['power-iterations'] })}\n${withFace.map((i) => pop.paths[i]).join('\n')}`).digest('hex').slice(0, 12);
const fullPath = join(repoRoot, '.cache', 'fit', `space-${sources.join('-')}-aug${augment}-fit${fitK}-seed${seed}-${fitKey}-f32.bin`);
const counts: Record<string, number> = {};
// --fresh fits again even when the full fit is cached (a reproducibility check), and caches the new one.
const fromCache = existsSync(fullPath) && !args.fresh;
const pca = fromCache ? cachedFit(fullPath) : randomizedPca(await fittingFaces(counts), n, D, chunkedLinalg(await nodeKernel()), {
  k: fitK, oversample: 100, powerIterations: Number(args['power-iterations']), seed,
  log: (m) => log(`${m} (${elapsed()})`),
});
function cachedFit(path: string) {
  const s = parseSpace(new Uint8Array(readFileSync(path)));
  const meta = JSON.parse(readFileSync(`${path}.json`, 'utf8')) as { totalVariance: number; variances: number[]; counts: Record<string, number> };
  log(`full fit from cache ${path}`);
  Object.assign(counts, meta.counts);
  return { mean: s.mean, components: new Float32Array(s.basis.slice().buffer), variances: Float64Array.from(meta.variances), totalVariance: meta.totalVariance };
}

const explainedAt = (m: number): number => pca.variances.slice(0, m).reduce((a, b) => a + b, 0) / pca.totalVariance;
const explained = Object.fromEntries([50, 100, 250, 500, 750, 1000, 1500, 2000, 2500].filter((m) => m <= fitK).map((m) => [m, Number(explainedAt(m).toFixed(5))]));
log(`explained variance: ${JSON.stringify(explained)}`);

const space = { d: D, side: ALIGNED_SIZE, seed, faces: n, mean: pca.mean };
if (!fromCache) {
  mkdirSync(join(repoRoot, '.cache', 'fit'), { recursive: true });
  writeFileSync(`${fullPath}.json`, JSON.stringify({ totalVariance: pca.totalVariance, variances: Array.from(pca.variances), counts }));
  writeFileSync(fullPath, serializeSpace({ ...space, k: fitK, variances: Float32Array.from(pca.variances), basis: pca.components }, 'f32'));
  log(`full fit (f32, k=${fitK}) -> ${fullPath}`);
}

const bytes = serializeSpace({ ...space, k, variances: Float32Array.from(pca.variances.subarray(0, k)), basis: pca.components.subarray(0, k * D) }, format);
writeFileSync(args.out, bytes);
const sha256 = sha256Hex(bytes);
log(`${args.out}: k=${k} ${format}, ${(bytes.length / 2 ** 20).toFixed(1)} MiB, sha256 ${sha256}`);

if (resolve(args.out) === join(repoRoot, 'models', 'immune-space.bin')) {
  const previous = (recordInManifest('space', {
    file: 'immune-space.bin', sha256, bytes: bytes.length, format, k, fitK, seed, powerIterations: Number(args['power-iterations']),
    sources, augment, faces: n, images: chosen.length, skippedImages: chosen.length - withFace.length, variants: counts,
    excluded: `dev folds ${EVAL_FOLDS.join(', ')} and UTKFace's report part`,
    data: sources.includes('utk')
      ? 'LFW dev people outside dev folds 5-8, and the fit part of UTKFace (Zhang, Song, Qi, CVPR 2017; non-commercial research use only: a basis fitted on it carries those terms; refit with npm run fit on data you have the rights to)'
      : 'LFW dev people outside dev folds 5-8',
    explainedVariance: explained,
    command: `npm run fit -- --sources ${sources.join(',')} --augment ${augment} --k ${k} --fit-k ${fitK} --format ${format} --seed ${seed}`,
  }) as { sha256?: string } | undefined)?.sha256;
  log(previous === undefined ? 'manifest updated' : previous === sha256 ? 'reproduced the committed space bit for bit' : `differs from the committed space (was ${previous})`);
}
log(`done in ${elapsed()}`);
