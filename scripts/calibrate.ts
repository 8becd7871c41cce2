/**
 * @module calibrate: `npm run calibrate [-- <dataDir>]` scores every pair of dev_pairs.tsv
 * through the product's own pipeline (decode -> detect -> landmarks -> align, largest face,
 * then the defense and the recognizer) once per defense mode, with the shipped immune space and
 * the default defense settings. Per mode it reports LFW-protocol accuracy (threshold chosen on
 * the other folds) and TAR at FAR 1e-2 / 1e-3, and writes the FAR-1e-3 threshold into
 * models/manifest.json: each defense shifts the similarity distribution, so each gets its own.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultDefense } from '../src/config.ts';
import { CHANNEL_LAYOUT } from '../src/engine.ts';
import { createProjector } from '../src/immune/project.ts';
import { drawsMasks, type DefenseMode } from '../src/immune/selectors.ts';
import { parseSpace } from '../src/immune/space-file.ts';
import { pairFaces, scoreDefense } from './lib/defense-eval.ts';
import { nodeKernel } from './lib/node-kernel.ts';
import { nodeRunner, repoRoot, shippedSelector } from './lib/node-models.ts';
import { atFar, foldAccuracy, readPairs } from './lib/pairs.ts';

const TARGET_FAR = 1e-3;
const selector = shippedSelector();
const MODES: DefenseMode[] = ['none', 'topk', 'pin-threshold', ...(selector ? ['pin-learned' as const] : [])];
const dataDir = resolve(process.argv[2] ?? join(repoRoot, '..', 'shared', 'data'));
const pairs = readPairs(dataDir);
const pf = await pairFaces(dataDir, pairs);
const noFace = Array.from(pf.index).filter((i) => i < 0).length;
const space = parseSpace(new Uint8Array(readFileSync(join(repoRoot, 'models', 'immune-space.bin'))));
const project = createProjector(await nodeKernel(), space, defaultDefense, selector);
const feature = await nodeRunner('fr_feature.onnx', 2);
const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

const calibration: Record<string, unknown> = {};
for (const mode of MODES) {
  // Bernoulli masks as the service draws them by default, seeded so the calibration is reproducible.
  const { scored, meanKept } = await scoreDefense(pf, project, feature, { mode, sampled: drawsMasks(mode), seed: 1 }, `embedding (${mode})`);
  const acc = foldAccuracy(scored);
  const far2 = atFar(scored, 1e-2);
  const far3 = atFar(scored, TARGET_FAR);
  console.log(`[${mode}] accuracy ${pct(acc.mean)} ± ${pct(acc.std)}; TAR @ FAR 1e-2 ${pct(far2.tar)}, 1e-3 ${pct(far3.tar)} (threshold ${far3.threshold.toFixed(4)}, measured FAR ${far3.far.toFixed(5)}); components kept ${meanKept.toFixed(0)}`);
  calibration[mode] = {
    threshold: Number(far3.threshold.toFixed(4)),
    accuracy: Number(acc.mean.toFixed(4)),
    accuracyStd: Number(acc.std.toFixed(4)),
    tarAtFar1e2: Number(far2.tar.toFixed(4)),
    tarAtFar1e3: Number(far3.tar.toFixed(4)),
    meanComponentsKept: Math.round(meanKept),
  };
}

const manifestPath = join(repoRoot, 'models', 'manifest.json');
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
manifest.calibration = {
  method: `per defense mode: cosine threshold with FAR <= ${TARGET_FAR} on the impostor pairs of dev_pairs.tsv, masks seeded (npm run calibrate)`,
  channels: CHANNEL_LAYOUT,
  pairs: pairs.length,
  folds: [...new Set(pairs.map((p) => p.fold))].sort((a, b) => a - b),
  noFaceImages: noFace,
  space: (manifest.space as { sha256: string }).sha256,
  defense: defaultDefense,
  modes: calibration,
};
writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`pairs ${pairs.length}, images ${pf.paths.length}, no face ${noFace}; wrote per-mode thresholds to models/manifest.json`);
