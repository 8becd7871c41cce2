/**
 * @module Fitting faces: the aligned grayscale 112x112 faces the eigenface basis is fitted on,
 * produced by the product's own decode -> detect -> landmarks -> align, plus mirror images.
 * People who appear in the excluded folds of dev_pairs.tsv are left out, so accuracy reported
 * on those folds is measured on faces the space never saw.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { writeAside } from './write-aside.ts';
import { defaultDetectorOptions, defaultLimits } from '../../src/config.ts';
import { isPinfaceError } from '../../src/errors.ts';
import { ALIGNED_SIZE } from '../../src/pipeline/align.ts';
import { decodeImage } from '../../src/pipeline/decode/index.ts';
import { alignFace } from '../../src/pipeline/face.ts';
import { createDecoders } from '../../src/wasm/codecs.ts';
import { nodeCodecModules } from './node-codecs.ts';
import { nodeRunner, repoRoot } from './node-models.ts';
import { progress } from './progress.ts';

export const D = ALIGNED_SIZE * ALIGNED_SIZE;

/**
 * Folds of dev_pairs.tsv that immune-space and defense figures are reported on: their people
 * are never fitted on. Folds 1-4 (people allowed in the fit) are where defense settings are tuned.
 */
export const EVAL_FOLDS: readonly number[] = [5, 6, 7, 8];

export const mirror = (face: Float32Array): Float32Array => {
  const out = new Float32Array(D);
  for (let y = 0; y < ALIGNED_SIZE; y++) for (let x = 0; x < ALIGNED_SIZE; x++) out[y * ALIGNED_SIZE + x] = face[y * ALIGNED_SIZE + ALIGNED_SIZE - 1 - x] as number;
  return out;
};

/**
 * What the aligned faces depend on besides the images: the code of the pipeline stages and the
 * models. Part of the cache key, so a change to detection or alignment never reuses old faces.
 */
export function pipelineFingerprint(): string {
  const h = createHash('sha256');
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts')) h.update(`${p.slice(repoRoot.length)}\n`).update(readFileSync(p));
    }
  };
  walk(join(repoRoot, 'src', 'pipeline'));
  h.update(readFileSync(join(repoRoot, 'src', 'wasm', 'codecs.ts'))).update(JSON.stringify(defaultDetectorOptions));
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'models', 'manifest.json'), 'utf8')) as { models: Record<string, { sha256: string }> };
  for (const m of ['detect', 'landmark'] as const) h.update(manifest.models[m]?.sha256 ?? '');
  return h.digest('hex');
}

/** An Int32Array file read back. A small file comes back as a view into Node's shared buffer pool: copy its own bytes, not the pool's. */
export function readInt32File(path: string): Int32Array {
  const b = readFileSync(path);
  return new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/**
 * Which faces a script sees: 'service' runs every detector pass the service runs; 'first-pass' only
 * the plain one, as the committed space, selector and recognizers were fitted and trained (before
 * the border and tile passes existed), so that their scripts still reproduce them bit for bit.
 */
export type FaceDetection = 'service' | 'first-pass';

/**
 * Aligned grayscale faces of `paths` as one N x D row-major matrix (with `mirror`, each face is
 * followed by its mirror image), cached in .cache/fit/ under a key of the image list, so a
 * re-run skips the slow part. `index[i]` is the row of paths[i], or -1 when no face was found.
 */
export async function alignedFaces(dataDir: string, paths: string[], mirrored: boolean, detection: FaceDetection = 'service'): Promise<{ faces: Float32Array; n: number; skipped: number; index: Int32Array }> {
  const key = createHash('sha256').update(`${pipelineFingerprint()}\n${mirrored}\n${detection === 'service' ? '' : `${detection}\n`}${paths.join('\n')}`).digest('hex').slice(0, 16);
  const dir = join(repoRoot, '.cache', 'fit');
  const file = join(dir, `faces-${key}.f32`);
  if (existsSync(file)) {
    const bytes = readFileSync(file);
    const faces = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    console.error(`[pinface] [fit] ${faces.length / D} aligned faces from cache ${file}`);
    const index = readInt32File(`${file}.index`);
    return { faces, n: faces.length / D, skipped: index.filter((i) => i < 0).length, index };
  }
  const decoders = createDecoders(await nodeCodecModules());
  const models = { detect: await nodeRunner('fr_detect.onnx', 2), landmark: await nodeRunner('fr_landmark.onnx', 2) };
  const rows: Float32Array[] = [];
  let skipped = 0;
  const index = new Int32Array(paths.length).fill(-1);
  const bar = progress('aligning faces', paths.length);
  for (const [i, path] of paths.entries()) {
    try {
      const img = await decodeImage(new Uint8Array(readFileSync(join(dataDir, path))), decoders, defaultLimits);
      const { input } = await alignFace(img, models, { detector: defaultDetectorOptions, policy: 'largest', layout: 'gray', detectorPasses: detection === 'service' ? 3 : 1 });
      const face = input.slice(0, D);
      index[i] = rows.length;
      rows.push(face);
      if (mirrored) rows.push(mirror(face));
    } catch (e) {
      if (!isPinfaceError(e)) throw e;
      skipped++;
    }
    bar.tick();
  }
  bar.done();
  const faces = new Float32Array(rows.length * D);
  rows.forEach((r, i) => faces.set(r, i * D));
  mkdirSync(dir, { recursive: true });
  // Index first, faces last, each written aside and renamed: a reader never sees a half-written pair.
  writeAside(`${file}.index`, new Uint8Array(index.buffer));
  writeAside(file, new Uint8Array(faces.buffer));
  return { faces, n: rows.length, skipped, index };
}

/** The most recent full f32 fit npm run fit left in .cache/fit (for npm run sweep and npm run bench:space), or a clear error. */
export function latestFullFit(): string {
  const dir = join(repoRoot, '.cache', 'fit');
  const fits = existsSync(dir) ? readdirSync(dir).filter((f) => /^space-.*-f32\.bin$/.test(f)).map((f) => join(dir, f)) : [];
  const newest = fits.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  if (!newest) throw new Error('[pinface] no full fit in .cache/fit: run npm run fit first');
  return newest;
}
