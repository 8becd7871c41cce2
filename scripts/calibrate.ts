/**
 * @module calibrate: `npm run calibrate [-- <dataDir>]` runs every image of dev_pairs.tsv
 * through the product's own pipeline (decode -> detect -> landmarks -> align -> embed, largest
 * face), then reports LFW-protocol accuracy (threshold chosen on the other folds) and TAR at
 * FAR 1e-2 / 1e-3, and writes the FAR-1e-3 threshold and how it was computed into
 * models/manifest.json.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultDetectorOptions, defaultLimits } from '../src/config.ts';
import { CHANNEL_LAYOUT } from '../src/engine.ts';
import { isPinfaceError } from '../src/errors.ts';
import { cosine } from '../src/pipeline/decide.ts';
import { decodeImage } from '../src/pipeline/decode/index.ts';
import { analyzeFace } from '../src/pipeline/face.ts';
import { createDecoders } from '../src/wasm/codecs.ts';
import { nodeCodecModules } from './lib/node-codecs.ts';
import { nodeFaceModels, repoRoot } from './lib/node-models.ts';
import { atFar, foldAccuracy, readPairs, type Scored } from './lib/pairs.ts';
import { progress } from './lib/progress.ts';

const TARGET_FAR = 1e-3;
const dataDir = resolve(process.argv[2] ?? join(repoRoot, '..', 'shared', 'data'));
const pairs = readPairs(dataDir);
const decoders = createDecoders(await nodeCodecModules());
const models = await nodeFaceModels(2);

const paths = [...new Set(pairs.flatMap((p) => [p.a, p.b]))];
const embeddings = new Map<string, Float32Array | null>();
const failures: Record<string, number> = {};
const bar = progress('embedding', paths.length);
for (const path of paths) {
  try {
    const img = await decodeImage(new Uint8Array(readFileSync(join(dataDir, path))), decoders, defaultLimits);
    const face = await analyzeFace(img, models, { detector: defaultDetectorOptions, policy: 'largest', layout: CHANNEL_LAYOUT });
    embeddings.set(path, face.embedding);
  } catch (e) {
    if (!isPinfaceError(e)) throw e;
    failures[e.code] = (failures[e.code] ?? 0) + 1;
    embeddings.set(path, null); // no face: the pair is scored as a non-match, which is what the API answers
  }
  bar.tick();
}
bar.done();

const scored: Scored[] = pairs.map((p) => {
  const ea = embeddings.get(p.a), eb = embeddings.get(p.b);
  return { fold: p.fold, same: p.same, score: ea && eb ? cosine(ea, eb) : -1 };
});
const acc = foldAccuracy(scored);
const far2 = atFar(scored, 1e-2);
const far3 = atFar(scored, TARGET_FAR);
const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
console.log(`pairs ${pairs.length} (${scored.filter((s) => s.same).length} genuine), images ${paths.length}, failures ${JSON.stringify(failures)}`);
console.log(`accuracy (${acc.perFold.length}-fold, threshold from the other folds): ${pct(acc.mean)} ± ${pct(acc.std)}`);
console.log(`TAR @ FAR 1e-2: ${pct(far2.tar)} (threshold ${far2.threshold.toFixed(4)})`);
console.log(`TAR @ FAR 1e-3: ${pct(far3.tar)} (threshold ${far3.threshold.toFixed(4)}, measured FAR ${far3.far.toFixed(5)})`);

const manifestPath = join(repoRoot, 'models', 'manifest.json');
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
manifest.calibration = {
  threshold: Number(far3.threshold.toFixed(4)),
  method: `cosine threshold with FAR <= ${TARGET_FAR} on the impostor pairs of dev_pairs.tsv (npm run calibrate)`,
  channels: CHANNEL_LAYOUT,
  pairs: pairs.length,
  folds: [...new Set(pairs.map((p) => p.fold))].sort((a, b) => a - b),
  accuracy: Number(acc.mean.toFixed(4)),
  accuracyStd: Number(acc.std.toFixed(4)),
  tarAtFar1e2: Number(far2.tar.toFixed(4)),
  tarAtFar1e3: Number(far3.tar.toFixed(4)),
  noFaceImages: failures.no_face ?? 0,
};
writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`wrote threshold ${far3.threshold.toFixed(4)} to models/manifest.json`);
