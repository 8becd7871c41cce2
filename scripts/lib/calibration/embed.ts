/**
 * @module Embeddings of many aligned faces through one defense mode: the product's projector on
 * the SIMD kernel, each image with its own seeded mask as the service draws one per request, and
 * the recognizer on onnxruntime-node in batches (the graph given a symbolic batch dimension).
 * Cached per inputs, so an interrupted calibration resumes at the mode it was in.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeAside } from '../write-aside.ts';
import * as ort from 'onnxruntime-node';
import { probeShapes } from '../../../eval/grad/session.ts';
import { sessionOptions } from '../../../eval/grad/ort-options.ts';
import { batchedModel } from '../../../eval/grad/vjp.ts';
import { readModel, writeModel } from '../../../eval/onnx/proto.ts';
import type { DefenseRequest, Projector } from '../../../src/immune/project.ts';
import { drawsMasks, type DefenseMode } from '../../../src/immune/selectors.ts';
import { ALIGNED_SIZE } from '../../../src/pipeline/align.ts';
import { EMBEDDING_SIZE as EMBEDDING, grayToInput, l2normalize } from '../../../src/pipeline/embed.ts';
import { D } from '../fit-faces.ts';
import { repoRoot } from '../node-models.ts';
import { progress } from '../progress.ts';

export { EMBEDDING };
const BATCH = 32;

export type BatchRecognizer = (x: Float32Array, n: number) => Promise<Float32Array>;

/** The recognizer (a file under models/, or its bytes) with a symbolic batch dimension, on onnxruntime-node. */
export async function batchRecognizer(source: string | Uint8Array, threads = 2): Promise<BatchRecognizer> {
  const model = readModel(typeof source === 'string' ? readFileSync(join(repoRoot, 'models', source)) : source);
  const session = await ort.InferenceSession.create(writeModel(batchedModel(model, await probeShapes(model, [1, 3, ALIGNED_SIZE, ALIGNED_SIZE]))), sessionOptions(threads));
  const input = session.inputNames[0] as string, output = session.outputNames[0] as string;
  return async (x, n) => (await session.run({ [input]: new ort.Tensor('float32', x, [n, 3, ALIGNED_SIZE, ALIGNED_SIZE]) }))[output]?.data as Float32Array;
}

/** Per-image mask seed, fixed per image and run seed, so a calibration is reproducible. */
export const imageSeed = (i: number, seed: number): number => (Math.imul(i + 1, 0x9e3779b9) ^ seed) >>> 0;

export interface ModeEmbeddings {
  /** rows x 512, L2-normalised, in the order of `rows`. */
  embeddings: Float32Array;
  meanKept: number;
}

/**
 * The aligned faces are part of the cache key (a change to detection or alignment must not reuse
 * embeddings of the old faces); hashed once per array, not once per mode: they are a gigabyte.
 */
const digests = new WeakMap<Float32Array, string>();
function facesDigest(faces: Float32Array): string {
  let digest = digests.get(faces);
  if (digest === undefined) {
    digest = createHash('sha256').update(new Uint8Array(faces.buffer, faces.byteOffset, faces.byteLength)).digest('hex');
    digests.set(faces, digest);
  }
  return digest;
}

/**
 * `faces`: aligned gray faces (row r at r*D); `rows[i]`: the face row of image i. `key`: every
 * other input that changes the result (model, space, defense settings), for the cache.
 */
export async function embedMode(faces: Float32Array, rows: Int32Array, mode: DefenseMode, project: Projector, recognize: BatchRecognizer, seed: number, key: string): Promise<ModeEmbeddings> {
  const id = createHash('sha256').update(`${key}\n${mode}\n${seed}\n${rows.length}\n${facesDigest(faces)}\n`).update(new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength)).digest('hex').slice(0, 16);
  const dir = join(repoRoot, '.cache', 'calibrate');
  const file = join(dir, `emb-${mode}-${id}.f32`);
  if (existsSync(file)) {
    const b = readFileSync(file);
    const all = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
    console.error(`[pinface] [calibrate] ${mode}: ${rows.length} embeddings from cache`);
    return { embeddings: all.subarray(0, rows.length * EMBEDDING), meanKept: all[rows.length * EMBEDDING] as number };
  }
  const out = new Float32Array(rows.length * EMBEDDING + 1);
  const x = new Float32Array(BATCH * 3 * D);
  let kept = 0;
  const bar = progress(`embedding (${mode})`, rows.length);
  for (let start = 0; start < rows.length; start += BATCH) {
    const n = Math.min(BATCH, rows.length - start);
    for (let b = 0; b < n; b++) {
      const i = start + b;
      const face = faces.subarray((rows[i] as number) * D, ((rows[i] as number) + 1) * D);
      const input = grayToInput(face);
      const req: DefenseRequest = { mode, deterministic: false, ...(drawsMasks(mode) ? { seed: imageSeed(i, seed) } : {}) };
      const p = project(input, req);
      kept += p.report.componentsKept;
      x.set(p.input, b * 3 * D);
      bar.tick();
    }
    const y = await recognize(x.subarray(0, n * 3 * D), n);
    for (let b = 0; b < n; b++) out.set(l2normalize(y.subarray(b * EMBEDDING, (b + 1) * EMBEDDING)), (start + b) * EMBEDDING);
  }
  bar.done();
  out[rows.length * EMBEDDING] = rows.length ? kept / rows.length : 0;
  mkdirSync(dir, { recursive: true });
  writeAside(file, new Uint8Array(out.buffer));
  return { embeddings: out.subarray(0, rows.length * EMBEDDING), meanKept: out[rows.length * EMBEDDING] as number };
}
