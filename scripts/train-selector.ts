/**
 * @module npm run train:selector — `npm run train:selector -- [dataDir] [--lambda 1e-6] [--hidden 128]
 *   [--epochs 20] [--seed 1] [--out models/pin-selector.bin] [--fresh]`
 * Trains PIN's learned selector (src/immune/selectors.ts, pinLearned) on the paper's objective,
 * with TensorFlow.js (CPU backend) for the tensor work:
 *   - faces: the immune space's own fitting faces (its sources among the calibration people: LFW dev
 *     outside dev folds 5-8, UTKFace's fit part; mirrored), so no
 *     evaluation pair is ever seen; 10 % of the people are held out for validation;
 *   - noise: Gaussian with ||n|| = 0.04 ||x||, drawn in coefficient space (an orthonormal basis
 *     maps isotropic pixel noise to isotropic coefficient noise of the same variance);
 *   - cost of a mask S: (1/D) ||E_S E_S^T (x + n - mu) - (x - mu)||^2 + lambda |S|, which for
 *     orthonormal E is (1/D) (sum_{k in S} n_k^2 + sum_{k not in S} c_k^2 + residual) + lambda |S|;
 *   - REINFORCE over 30 masks per face with the mean cost as baseline; Adam.
 * Seeded and resumable (a checkpoint per epoch under .cache/selector/). It reports the validation
 * objective of pin-threshold (the closed form) next to the learned selector's, epoch by epoch.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeAside } from './lib/write-aside.ts';
// The umbrella package: tfjs-core's Node bundle alone registers no gradients.
import * as tf from '@tensorflow/tfjs';
import { gaussian, uniform } from '../src/immune/rng.ts';
import { learnedFeatures, pinLearned, pinThreshold, sampleMask, type SelectorInput } from '../src/immune/selectors.ts';
import { parseSelector, serializeSelector, type SelectorNet } from '../src/immune/selector-file.ts';
import { parseSpace } from '../src/immune/space-file.ts';
import { D, alignedFaces, mirror } from './lib/fit-faces.ts';
import { population, type Source } from './lib/calibration/population.ts';
import { nodeKernel } from './lib/node-kernel.ts';
import { recordInManifest, repoRoot, shippedSelectorPath } from './lib/node-models.ts';
import { progress } from './lib/progress.ts';
import { netFromVars, selectorLogits, selectorVars } from './lib/selector-tf.ts';
import { sha256Hex } from './lib/hash.ts';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    lambda: { type: 'string', default: '0.000001' }, hidden: { type: 'string', default: '128' }, epochs: { type: 'string', default: '20' },
    seed: { type: 'string', default: '1' }, out: { type: 'string' }, fresh: { type: 'boolean', default: false },
    batch: { type: 'string', default: '32' }, lr: { type: 'string', default: '0.001' }, samples: { type: 'string', default: '30' },
  },
});
const lambda = Number(args.lambda), hidden = Number(args.hidden), epochs = Number(args.epochs), seed = Number(args.seed);
const batch = Number(args.batch), lr = Number(args.lr), samples = Number(args.samples);
const NOISE = 0.04;
const dataDir = resolve(positionals[0] ?? join(repoRoot, '..', 'shared', 'data'));
const outFile = resolve(args.out ?? shippedSelectorPath);
const log = (s: string) => console.error(`[pinface] [train:selector] ${s}`);
await tf.setBackend('cpu');

// 1. Coefficients of the fitting faces in the shipped space (cached: they only depend on the space and the faces).
const spaceBytes = new Uint8Array(readFileSync(join(repoRoot, 'models', 'immune-space.bin')));
const space = parseSpace(spaceBytes);
const K = space.k, KP = Math.ceil(K / 16) * 16;
const cacheDir = join(repoRoot, '.cache', 'selector');
mkdirSync(cacheDir, { recursive: true });
const spaceId = sha256Hex(spaceBytes).slice(0, 12);
// The space's own fitting people (its sources among the calibration people), each face and its mirror.
const manifest = JSON.parse(readFileSync(join(repoRoot, 'models', 'manifest.json'), 'utf8')) as { space: { sources?: Source[] } };
const sources: Source[] = manifest.space.sources ?? ['lfw'];
const pop = population(dataDir);
const { faces: aligned, index } = await alignedFaces(dataDir, pop.paths, false, 'first-pass');
const chosen = pop.paths.map((_, i) => i).filter((i) => pop.role[i] === 'calibration' && sources.includes(pop.source[i] as Source) && (index[i] as number) >= 0);
const personOf = (i: number): string => (pop.source[i] === 'lfw' ? (pop.paths[i] as string).split('/')[1] as string : pop.paths[i] as string);
const coeffFile = join(cacheDir, `coeffs-${spaceId}-${sha256Hex(chosen.map((i) => pop.paths[i]).join('\n')).slice(0, 12)}.bin`);
let coeffs: Float32Array, energy: Float32Array;
const person: string[] = chosen.flatMap((i) => [personOf(i), personOf(i)]);
{
  const n = 2 * chosen.length;
  const face = (j: number): Float32Array => {
    const r = index[chosen[j >> 1] as number] as number;
    const f = aligned.subarray(r * D, (r + 1) * D);
    return j & 1 ? mirror(f) : f;
  };
  if (existsSync(coeffFile)) {
    const all = new Float32Array(new Uint8Array(readFileSync(coeffFile)).buffer);
    coeffs = all.subarray(0, n * K);
    energy = all.subarray(n * K);
  } else {
    const kernel = await nodeKernel();
    const basis = kernel.loadBasis(space.mean, space.basis, space.format, K, space.scales);
    coeffs = new Float32Array(n * K);
    energy = new Float32Array(n);
    const bar = progress('coefficients', n);
    for (let i = 0; i < n; i++) {
      energy[i] = kernel.coefficients(basis, face(i), coeffs.subarray(i * K, (i + 1) * K));
      bar.tick();
    }
    bar.done();
    const all = new Float32Array(n * K + n);
    all.set(coeffs);
    all.set(energy, n * K);
    writeFileSync(coeffFile, new Uint8Array(all.buffer));
  }
}
const n = energy.length;

// 2. People split: 10 % of them for validation, seeded.
const people = [...new Set(person)].sort();
const rngSplit = uniform(seed * 7 + 1);
const heldOut = new Set(people.filter(() => rngSplit() < 0.1));
const trainIdx = [...Array(n).keys()].filter((i) => !heldOut.has(person[i] as string));
const valIdx = [...Array(n).keys()].filter((i) => heldOut.has(person[i] as string));
log(`${n} faces (${trainIdx.length} train, ${valIdx.length} validation from ${heldOut.size} held-out people), K = ${K}, lambda ${lambda}, hidden ${hidden}`);

/** A noisy view of face i: y = c + n in coefficient space, its per-component noise and the input energy. */
function noisy(i: number, rnd: () => number): { input: SelectorInput; c: Float32Array; noise: Float32Array } {
  const c = coeffs.subarray(i * K, (i + 1) * K);
  const e = energy[i] as number;
  const s = Math.sqrt((NOISE * NOISE * e) / D);
  const nz = Float32Array.from({ length: K }, () => s * rnd());
  return { input: { coeffs: c.map((v, k) => v + (nz[k] as number)), inputEnergy: e * (1 + NOISE * NOISE), d: D }, c, noise: nz };
}
/** The paper's cost of a mask, in coefficient space (the residual outside the space is a constant and left out). */
function cost(mask: Uint8Array, c: Float32Array, nz: Float32Array): number {
  let err = 0, kept = 0;
  for (let k = 0; k < K; k++) {
    if (mask[k]) { err += (nz[k] as number) ** 2; kept++; } else err += (c[k] as number) ** 2;
  }
  return err / D + lambda * kept;
}

// 3. The model: tf variables, initialised so that it starts at the closed form (W2 = 0, alpha = 1.702: logistic ~ Phi).
const tag = sha256Hex(JSON.stringify({ spaceId, lambda, hidden, seed, batch, lr, samples, n })).slice(0, 12);
const ckptFile = join(cacheDir, `ckpt-${tag}.bin`);
const init = (): SelectorNet => {
  const g = gaussian(seed);
  return {
    k: K, kp: KP, hidden, lambda, noise: NOISE, seed,
    alpha: new Float32Array(K).fill(1.702), bias: new Float32Array(K), b1: new Float32Array(hidden),
    w1: Float32Array.from({ length: hidden * KP }, () => g() * Math.sqrt(2 / KP)), w2: new Float32Array(K * hidden),
  };
};
let start = 0;
let net = init();
let adamM: Float32Array[] | undefined, adamV: Float32Array[] | undefined;
const history: Array<{ epoch: number; train: number; val: number; valThreshold: number; kept: number }> = [];
if (!args.fresh && existsSync(ckptFile)) {
  const ck = readFileSync(ckptFile);
  const headerLen = ck.readUInt32LE(0);
  const meta = JSON.parse(ck.subarray(4, 4 + headerLen).toString('utf8')) as { epoch: number; history: typeof history; netBytes: number; adam: number[] };
  let at = 4 + headerLen;
  net = parseSelector(new Uint8Array(ck.subarray(at, at + meta.netBytes)));
  at += meta.netBytes;
  const moments = meta.adam.map((len) => { const a = new Float32Array(new Uint8Array(ck.subarray(at, at + 4 * len)).buffer); at += 4 * len; return a; });
  adamM = moments.slice(0, 5);
  adamV = moments.slice(5);
  start = meta.epoch;
  history.push(...meta.history);
  log(`resumed from epoch ${start} (${ckptFile})`);
}

const vars = selectorVars(net);
const order = [vars.alpha, vars.bias, vars.b1, vars.w1, vars.w2];
const m = order.map((v, i) => tf.variable(adamM ? tf.tensor(adamM[i] as Float32Array, v.shape) : tf.zerosLike(v)));
const v2 = order.map((v, i) => tf.variable(adamV ? tf.tensor(adamV[i] as Float32Array, v.shape) : tf.zerosLike(v)));
let step = start * Math.ceil(trainIdx.length / batch);

const logits = (x: tf.Tensor2D, margin: tf.Tensor2D): tf.Tensor2D => selectorLogits(vars, x, margin);
const snapshot = (): SelectorNet => netFromVars(net, vars);

/** Validation: mean cost of a Bernoulli mask (seeded) on noisy held-out faces, for a selector. */
function validate(select: (x: SelectorInput) => Float32Array): { cost: number; kept: number } {
  const rnd = gaussian(seed * 13 + 5);
  let total = 0, kept = 0;
  valIdx.forEach((i, j) => {
    const { input, c, noise: nz } = noisy(i, rnd);
    const mask = sampleMask(select(input), seed * 100003 + j);
    total += cost(mask, c, nz);
    for (const b of mask) kept += b;
  });
  return { cost: total / valIdx.length, kept: kept / valIdx.length };
}
const closedForm = validate(pinThreshold({ lambda, noise: NOISE }));
log(`validation objective of pin-threshold (closed form): ${closedForm.cost.toExponential(4)}, ${closedForm.kept.toFixed(1)} components kept`);

for (let epoch = start; epoch < epochs; epoch++) {
  const rng = uniform(seed * 1000 + epoch);
  const rnd = gaussian(seed * 1000 + epoch + 500);
  const perm = trainIdx.map((i) => ({ i, r: rng() })).sort((a, b) => a.r - b.r).map((x) => x.i);
  const bar = progress(`epoch ${epoch + 1}/${epochs}`, perm.length);
  let trainCost = 0;
  for (let b0 = 0; b0 < perm.length; b0 += batch) {
    const ids = perm.slice(b0, b0 + batch);
    const views = ids.map((i) => noisy(i, rnd));
    const feats = views.map((v) => learnedFeatures(v.input, { lambda, noise: NOISE, kp: KP }));
    const x = tf.tensor2d(Float32Array.from(feats.flatMap((f) => Array.from(f.input))), [ids.length, KP]);
    const mg = tf.tensor2d(Float32Array.from(feats.flatMap((f) => Array.from(f.margin))), [ids.length, K]);
    const p = tf.tidy(() => tf.sigmoid(logits(x, mg))).dataSync() as Float32Array;
    // REINFORCE: d E[cost] / d logit_k ~ mean_s (cost_s - mean cost) (S_k - p_k), Bernoulli-sigmoid score function.
    const g = new Float32Array(ids.length * K);
    views.forEach((v, r) => {
      const pr = p.subarray(r * K, (r + 1) * K);
      const masks: Uint8Array[] = [], costs: number[] = [];
      for (let s = 0; s < samples; s++) {
        const mask = new Uint8Array(K);
        for (let k = 0; k < K; k++) mask[k] = (pr[k] as number) > rng() ? 1 : 0;
        masks.push(mask);
        costs.push(cost(mask, v.c, v.noise));
      }
      const mean = costs.reduce((a, c) => a + c, 0) / samples;
      trainCost += mean;
      masks.forEach((mask, s) => {
        const adv = ((costs[s] as number) - mean) / (samples * ids.length);
        for (let k = 0; k < K; k++) g[r * K + k] = (g[r * K + k] as number) + adv * ((mask[k] as number) - (pr[k] as number));
      });
    });
    const gt = tf.tensor2d(g, [ids.length, K]);
    // Surrogate whose gradient is the REINFORCE estimate: sum(logits * g), g held constant.
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(logits(x, mg), gt)) as tf.Scalar, order);
    step++;
    tf.tidy(() => {
      const b1c = 1 - 0.9 ** step, b2c = 1 - 0.999 ** step;
      order.forEach((vv, i) => {
        const gr = grads[vv.name] as tf.Tensor;
        (m[i] as tf.Variable).assign(tf.add(tf.mul(m[i] as tf.Variable, 0.9), tf.mul(gr, 0.1)));
        (v2[i] as tf.Variable).assign(tf.add(tf.mul(v2[i] as tf.Variable, 0.999), tf.mul(tf.square(gr), 0.001)));
        const update = tf.div(tf.div(m[i] as tf.Variable, b1c), tf.add(tf.sqrt(tf.div(v2[i] as tf.Variable, b2c)), 1e-8));
        vv.assign(tf.sub(vv, tf.mul(update, lr)));
      });
    });
    tf.dispose([x, mg, gt, ...Object.values(grads)]);
    for (let k = 0; k < ids.length; k++) bar.tick();
  }
  bar.done();
  const current = snapshot();
  const val = validate(pinLearned(current));
  history.push({ epoch: epoch + 1, train: trainCost / perm.length, val: val.cost, valThreshold: closedForm.cost, kept: val.kept });
  log(`epoch ${epoch + 1}: train ${(trainCost / perm.length).toExponential(4)}, validation ${val.cost.toExponential(4)} (closed form ${closedForm.cost.toExponential(4)}), ${val.kept.toFixed(1)} kept`);
  // Checkpoint: header JSON, the net, then Adam's moments; written aside and renamed (a crash never leaves half a file).
  const netBytes = serializeSelector(current);
  const moments = [...m, ...v2].map((t) => t.dataSync() as Float32Array);
  const header = Buffer.from(JSON.stringify({ epoch: epoch + 1, history, netBytes: netBytes.length, adam: moments.map((a) => a.length) }));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  writeAside(ckptFile, Buffer.concat([len, header, Buffer.from(netBytes), ...moments.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength))]));
}

// 4. Export: the selector file and its provenance in the manifest.
const final = serializeSelector(snapshot());
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, final);
const sha = sha256Hex(final);
log(`wrote ${outFile} (${(final.length / 1e6).toFixed(2)} MB, sha256 ${sha.slice(0, 12)}…)`);
if (outFile === shippedSelectorPath) {
  const last = history[history.length - 1];
  recordInManifest('selector', {
    file: 'pin-selector.bin', sha256: sha, bytes: final.length, k: K, hidden, lambda, noise: NOISE, seed, epochs, batch, lr, samples,
    faces: { train: trainIdx.length, validation: valIdx.length, heldOutPeople: heldOut.size },
    validation: { learned: last?.val, closedForm: closedForm.cost, keptLearned: last?.kept, keptClosedForm: closedForm.kept },
  });
  log('recorded the selector in models/manifest.json');
}
