/**
 * @module fit: `npm run fit [-- --data <dir>] [--k 1000] [--fit-k 1500] [--format i8|f16|f32] [--seed 1]`
 * fits the immune space: aligned grayscale faces (our own pipeline, plus mirror images) of
 * people absent from the evaluation folds of dev_pairs.tsv -> mean face and the top fit-k
 * eigenfaces by seeded randomized subspace iteration, every large product on the SIMD kernel.
 * The first k are stored in `format` as models/immune-space.bin (sha256 into the manifest);
 * the full f32 fit goes to .cache/fit/ for `npm run sweep`. Same data + seed = the same bytes.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { serializeSpace, type BasisFormat } from '../src/immune/space-file.ts';
import { ALIGNED_SIZE } from '../src/pipeline/align.ts';
import { alignedFaces, fittingImages, D, EVAL_FOLDS } from './lib/fit-faces.ts';
import { nodeKernel } from './lib/node-kernel.ts';
import { randomizedPca } from './lib/pca.ts';
import { repoRoot } from './lib/node-models.ts';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: join(repoRoot, '..', 'shared', 'data') },
    k: { type: 'string', default: '1000' },
    'fit-k': { type: 'string', default: '1500' },
    format: { type: 'string', default: 'i8' },
    seed: { type: 'string', default: '1' },
    'power-iterations': { type: 'string', default: '2' },
    out: { type: 'string', default: join(repoRoot, 'models', 'immune-space.bin') },
  },
});
const k = Number(args.k), fitK = Math.max(k, Number(args['fit-k'])), seed = Number(args.seed);
const format = args.format as BasisFormat;
if (!['i8', 'f16', 'f32'].includes(format)) throw new Error(`--format must be i8, f16 or f32, not ${format}`);
const log = (msg: string): void => console.error(`[pinface] [fit] ${msg}`);
const t0 = performance.now();
const elapsed = (): string => `${((performance.now() - t0) / 1000).toFixed(0)} s`;

const dataDir = resolve(args.data);
const paths = fittingImages(dataDir, EVAL_FOLDS);
log(`${paths.length} images of people outside evaluation folds ${EVAL_FOLDS.join(',')}`);
const { faces, n, skipped } = await alignedFaces(dataDir, paths, true);
log(`${n} faces (with mirror images), ${skipped} images without a face skipped (${elapsed()})`);

const kernel = await nodeKernel();
const pca = randomizedPca(faces, n, D, kernel, {
  k: fitK, oversample: 100, powerIterations: Number(args['power-iterations']), seed,
  log: (m) => log(`${m} (${elapsed()})`),
});

const explainedAt = (m: number): number => pca.variances.slice(0, m).reduce((a, b) => a + b, 0) / pca.totalVariance;
const explained = Object.fromEntries([50, 100, 250, 500, 750, 1000, 1500, 2000, 2500].filter((m) => m <= fitK).map((m) => [m, Number(explainedAt(m).toFixed(5))]));
log(`explained variance: ${JSON.stringify(explained)}`);

const space = { d: D, side: ALIGNED_SIZE, seed, faces: n, mean: pca.mean };
const full = serializeSpace({ ...space, k: fitK, variances: Float32Array.from(pca.variances), basis: pca.components }, 'f32');
mkdirSync(join(repoRoot, '.cache', 'fit'), { recursive: true });
const fullPath = join(repoRoot, '.cache', 'fit', `space-fit${fitK}-seed${seed}-f32.bin`);
writeFileSync(fullPath, full);
log(`full fit (f32, k=${fitK}) -> ${fullPath}`);

const bytes = serializeSpace({ ...space, k, variances: Float32Array.from(pca.variances.subarray(0, k)), basis: pca.components.subarray(0, k * D) }, format);
writeFileSync(args.out, bytes);
const sha256 = createHash('sha256').update(bytes).digest('hex');
log(`${args.out}: k=${k} ${format}, ${(bytes.length / 2 ** 20).toFixed(1)} MiB, sha256 ${sha256}`);

if (resolve(args.out) === join(repoRoot, 'models', 'immune-space.bin')) {
  const manifestPath = join(repoRoot, 'models', 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
  const previous = (manifest.space as { sha256?: string } | undefined)?.sha256;
  manifest.space = {
    file: 'immune-space.bin', sha256, bytes: bytes.length, format, k, fitK, seed, powerIterations: Number(args['power-iterations']),
    faces: n, images: paths.length, skippedImages: skipped, excludedFolds: EVAL_FOLDS, explainedVariance: explained,
    command: `npm run fit -- --k ${k} --fit-k ${fitK} --format ${format} --seed ${seed}`,
  };
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  log(previous === undefined ? 'manifest updated' : previous === sha256 ? 'reproduced the committed space bit for bit' : `differs from the committed space (was ${previous})`);
}
log(`done in ${elapsed()}`);
