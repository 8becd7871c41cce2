/**
 * @module npm run train:recognizer — `npm run train:recognizer -- [dataDir] [--epochs 4] [--batch 32]
 *   [--lr 1e-4] [--seed 1] [--threads 2] [--out models/fr_feature_pin.onnx] [--fresh]`;
 *   npm run train:robust — the same with `--adversarial [--from models/fr_feature_pin.onnx] [--beta 1]
 *   [--eps 8] [--pgd-steps 3] [--eps-warmup 0.3]`, written to models/fr_feature_pin_robust.onnx
 * The projection-aware recognizer: a copy of fr_feature fine-tuned so that its embedding of the
 * defended face, f_θ(D(x)), matches the shipped network's embedding of the clean face, f_0(x)
 * (label-free distillation, loss 1 - cos). D draws its mask exactly as the service does (the
 * product's projector on the shipped space, a fresh seed per sample; pin-threshold mostly, sparser
 * pin-threshold masks and topk, so every projecting mode is read well). Mirror images double the faces.
 *
 * Data: the calibration people only (LFW dev outside dev folds 5-8, UTKFace's fit part), 1 in 20
 * of them held out for validation; the report people (folds 5-8, UTKFace's report part) are
 * never read. Weight gradients from eval/grad on onnxruntime-node; AdamW with decay toward the
 * shipped weights, warm-up then cosine; a checkpoint per epoch under .cache/train/ (a run
 * resumes where it stopped, step for step). Same data, seed and settings give the same bytes.
 *
 * `--adversarial` (npm run train:robust): adversarial fine-tuning of the projection-aware
 * recognizer against its own worst case, label-free. Half of each batch is the clean defended
 * view D(x), half the defended adversarial view D(x + delta), delta the l_inf PGD maximiser of the
 * same distillation loss through the drawn mask's exact projection (a fresh mask per PGD step)
 * and the network at its current weights; the adversarial half weighs beta. Both halves are
 * anchored to the shipped network's clean embedding f_0(x) (adversarially robust distillation,
 * Goldblum et al. 2020) rather than to the student's own f_theta(D(x)) as TRADES states it: the
 * anchor bounds TRADES's term (triangle inequality) and cannot drift or collapse. eps ramps up
 * linearly over the first `--eps-warmup` share of the steps.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeAside } from './lib/write-aside.ts';
import { pinDefense } from '../eval/defenses/pin.ts';
import { trainableParams } from '../eval/grad/vjp.ts';
import { paramGradientRunner } from '../eval/grad/session.ts';
import { readModel, withWeights, writeModel } from '../eval/onnx/proto.ts';
import { identityDefense } from '../eval/attacks/objective.ts';
import { defaultDefense } from '../src/config.ts';
import { loadSpace, projectorOn, type DefenseRequest, type Projector } from '../src/immune/project.ts';
import { uniform } from '../src/immune/rng.ts';
import type { DefenseMode } from '../src/immune/selectors.ts';
import { parseSpace } from '../src/immune/space-file.ts';
import { EMBEDDING_SIZE, grayToInput, l2normalize } from '../src/pipeline/embed.ts';
import { lossAscent } from '../train/adversarial.ts';
import { train } from '../train/loop.ts';
import { TARGET_INPUT, withCosineLoss } from '../train/losses.ts';
import { batchRecognizer, type BatchRecognizer } from './lib/calibration/embed.ts';
import { population } from './lib/calibration/population.ts';
import { alignedFaces, D, mirror } from './lib/fit-faces.ts';
import { nodeKernel } from './lib/node-kernel.ts';
import { manifestPath, recordInManifest, repoRoot } from './lib/node-models.ts';
import { progress } from './lib/progress.ts';
import { sha256Hex } from './lib/hash.ts';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    epochs: { type: 'string' }, batch: { type: 'string', default: '32' }, lr: { type: 'string', default: '0.0001' },
    'weight-decay': { type: 'string', default: '0.01' }, seed: { type: 'string', default: '1' }, threads: { type: 'string', default: '2' },
    out: { type: 'string' }, fresh: { type: 'boolean', default: false },
    /** Steps per epoch (default: one pass over the images; the adversarial run splits one pass into its epochs, a checkpoint each). */
    steps: { type: 'string' },
    /** Smoke runs: fewer images (the committed files are made without). */
    'max-images': { type: 'string' },
    adversarial: { type: 'boolean', default: false }, from: { type: 'string' }, beta: { type: 'string', default: '1' },
    eps: { type: 'string', default: '8' }, 'pgd-steps': { type: 'string', default: '3' }, 'eps-warmup': { type: 'string', default: '0.3' },
  },
});
const adversarial = args.adversarial ? { beta: Number(args.beta), eps: Number(args.eps), pgdSteps: Number(args['pgd-steps']), epsWarmup: Number(args['eps-warmup']) } : undefined;
const epochs = Number(args.epochs ?? (adversarial ? 3 : 4)), batchSize = Number(args.batch), peakLr = Number(args.lr), seed = Number(args.seed);
const weightDecay = Number(args['weight-decay']), threads = Number(args.threads);
const dataDir = resolve(positionals[0] ?? join(repoRoot, '..', 'shared', 'data'));
const defaultOut = join(repoRoot, 'models', adversarial ? 'fr_feature_pin_robust.onnx' : 'fr_feature_pin.onnx');
const outFile = resolve(args.out ?? defaultOut);
const label = adversarial ? 'train:robust' : 'train:recognizer';
const log = (m: string) => console.error(`[pinface] [${label}] ${m}`);
const t0 = performance.now();

/**
 * The defended views drawn per sample, with their shares: the service's default mostly; some
 * sparser pin-threshold masks (larger lambda), so a deployment may trade clean accuracy for
 * robustness without a network that has never seen such masks; and topk (every component).
 * pin-learned's masks are close to pin-threshold's (README, "The learned selector"), so its
 * mode is served by the same network without drawing its masks here: the recognizer then
 * depends on the space alone, and a retrained selector does not change what this command makes.
 */
const spaceBytes = new Uint8Array(readFileSync(join(repoRoot, 'models', 'immune-space.bin')));
interface View { mode: DefenseMode; lambda: number; share: number }
const VIEWS: View[] = [
  { mode: 'pin-threshold', lambda: defaultDefense.lambda, share: 0.7 },
  { mode: 'pin-threshold', lambda: 3 * defaultDefense.lambda, share: 0.1 },
  { mode: 'pin-threshold', lambda: 10 * defaultDefense.lambda, share: 0.05 },
  { mode: 'topk', lambda: defaultDefense.lambda, share: 0.15 },
];
const VALIDATION_SHARE = 20;
const hashPart = (key: string): number => createHash('sha256').update(`pinface-train-validation:${key}`).digest().readUInt32LE(0);
const mix32 = (...xs: number[]): number => xs.reduce((h, x) => Math.imul(h ^ (x >>> 0), 0x9e3779b1) ^ (h >>> 15), 0x811c9dc5) >>> 0;

// 1. Faces: the calibration people, by the product's own pipeline (cache shared with npm run calibrate).
const pop = population(dataDir);
const { faces, index } = await alignedFaces(dataDir, pop.paths, false, 'first-pass');
const personKey = (i: number): string => (pop.source[i] === 'lfw' ? (pop.paths[i] as string).split('/')[1] as string : pop.paths[i] as string);
const usable = pop.paths.map((_, i) => i).filter((i) => pop.role[i] === 'calibration' && (index[i] as number) >= 0);
const limit = args['max-images'] ? Number(args['max-images']) : Infinity;
const isValidation = (i: number): boolean => hashPart(personKey(i)) % VALIDATION_SHARE === 0;
const trainImages = Int32Array.from(usable.filter((i) => !isValidation(i)).slice(0, limit));
const validationImages = Int32Array.from(usable.filter(isValidation).slice(0, Number.isFinite(limit) ? Math.ceil(limit / VALIDATION_SHARE) : Infinity));
log(`${trainImages.length} training images (x2 with mirrors), ${validationImages.length} validation images of held-out calibration people; report people never read`);

const faceOf = (img: number, mirrored: boolean): Float32Array => {
  const r = index[img] as number;
  const f = faces.subarray(r * D, (r + 1) * D);
  return mirrored ? mirror(f) : f;
};

// 2. Teacher: the shipped network on every clean face and its mirror (cached).
const teacherFile = join(repoRoot, 'models', 'fr_feature.onnx');
const teacherBytes = new Uint8Array(readFileSync(teacherFile));
// biome-ignore lint/suspicious/noExplicitAny: the manifest is read and rewritten as plain JSON
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, any>;
const images = Int32Array.from([...trainImages, ...validationImages]);
const rowOfImage = new Map(Array.from(images, (img, r) => [img, r]));
const cacheDir = join(repoRoot, '.cache', 'train');
mkdirSync(cacheDir, { recursive: true });
const dataKey = createHash('sha256').update(`${sha256Hex(teacherBytes)}\n${dataDir}\n`).update(new Uint8Array(images.buffer)).update(new Uint8Array(faces.buffer, faces.byteOffset, Math.min(faces.byteLength, 1 << 20))).digest('hex').slice(0, 16);
const teacher = await (async (): Promise<Float32Array> => {
  const file = join(cacheDir, `teacher-${dataKey}.f32`);
  if (existsSync(file)) { const b = readFileSync(file); return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)); }
  const net = await batchRecognizer(teacherBytes, threads);
  const out = new Float32Array(images.length * 2 * EMBEDDING_SIZE);
  const bar = progress('teacher embeddings (clean faces and mirrors)', images.length * 2);
  const B = 32, x = new Float32Array(B * 3 * D);
  const jobs = Array.from({ length: images.length * 2 }, (_, j) => j);
  for (let s = 0; s < jobs.length; s += B) {
    const n = Math.min(B, jobs.length - s);
    for (let b = 0; b < n; b++) { const j = s + b; grayToInput(faceOf(images[j >> 1] as number, (j & 1) === 1), x, b * 3 * D); bar.tick(); }
    const y = await net(x.subarray(0, n * 3 * D), n);
    for (let b = 0; b < n; b++) out.set(l2normalize(y.subarray(b * EMBEDDING_SIZE, (b + 1) * EMBEDDING_SIZE)), (s + b) * EMBEDDING_SIZE);
  }
  bar.done();
  writeAside(file, new Uint8Array(out.buffer));
  return out;
})();
const targetOf = (img: number, mirrored: boolean): Float32Array => {
  const j = 2 * (rowOfImage.get(img) as number) + (mirrored ? 1 : 0);
  return teacher.subarray(j * EMBEDDING_SIZE, (j + 1) * EMBEDDING_SIZE);
};

// 3. The defense as served.
const kernel = await nodeKernel();
const loaded = loadSpace(kernel, parseSpace(spaceBytes));
const projectors = new Map(VIEWS.map((v) => [v.lambda, projectorOn(loaded, { ...defaultDefense, lambda: v.lambda })]));
const defendPlane = (plane: Float32Array, req: DefenseRequest, out: Float32Array, at: number, lambda = defaultDefense.lambda): void => {
  out.set((projectors.get(lambda) as Projector)(grayToInput(plane), req).input, at);
};
const defended = (img: number, mirrored: boolean, req: DefenseRequest, out: Float32Array, at: number, lambda = defaultDefense.lambda): void =>
  defendPlane(faceOf(img, mirrored), req, out, at, lambda);

// 4. The run: a cosine head on the starting network (the shipped one; the projection-aware one for
// adversarial fine-tuning), every weight trainable. The adversarial run's attacks use the same
// graph's input gradient at the current weights.
const startFile = resolve(args.from ?? (adversarial ? join(repoRoot, 'models', 'fr_feature_pin.onnx') : teacherFile));
const startBytes = new Uint8Array(readFileSync(startFile));
const forward = readModel(startBytes);
const params = trainableParams(forward);
const runner = await paramGradientRunner(writeModel(withCosineLoss(forward, EMBEDDING_SIZE)), { threads, params, inputGradient: adversarial !== undefined });
const imagesPerStep = adversarial ? batchSize >> 1 : batchSize;
// The adversarial run is about five times slower per step (the PGD steps): its default covers the
// images once over three epochs, so a checkpoint lands every half hour and the run takes about 75 min here.
const onePass = Math.floor(trainImages.length / imagesPerStep);
const stepsPerEpoch = args.steps ? Number(args.steps) : adversarial ? Math.ceil(onePass / epochs) : onePass;
const settings = {
  epochs, batchSize, peakLr, weightDecay, seed, stepsPerEpoch, views: VIEWS, defense: defaultDefense, warmup: Math.min(200, stepsPerEpoch),
  // Only present when on, so the plain run's key (and its resumable checkpoint) is what it was.
  ...(adversarial ? { adversarial, start: sha256Hex(startBytes) } : {}),
};
const runKey = createHash('sha256').update(JSON.stringify(settings)).update(`\n${dataKey}\n${sha256Hex(spaceBytes)}\n${trainImages.length}`).digest('hex').slice(0, 16);
// The attacks' view of the default defense (a second copy of the basis in the kernel: only when attacking).
const attackDefense = adversarial ? pinDefense(projectors.get(defaultDefense.lambda) as Projector, kernel, parseSpace(spaceBytes), defaultDefense.mode as Exclude<DefenseMode, 'none'>) : identityDefense;
const totalSteps = epochs * stepsPerEpoch;
const epsAt = (globalStep: number): number => {
  if (!adversarial) return 0;
  const ramp = adversarial.epsWarmup * totalSteps;
  return ramp > 0 ? adversarial.eps * Math.min(1, (globalStep + 1) / ramp) : adversarial.eps;
};
const checkpointPath = join(cacheDir, `recognizer-${runKey}.ckpt`);
if (args.fresh && existsSync(checkpointPath)) renameSync(checkpointPath, `${checkpointPath}.old`);

const x = new Float32Array(batchSize * 3 * D), target = new Float32Array(batchSize * EMBEDDING_SIZE);
const sampleWeight = new Float32Array(batchSize).map((_, b) => (adversarial && b >= imagesPerStep ? adversarial.beta : 1));
async function batch(epoch: number, step: number, weights: readonly Float32Array[]) {
  // A pure function of (seed, epoch, step, weights): the epoch's permutation, then per sample a mirror flag, a mode and a mask seed.
  const perm = epochPermutation(epoch);
  const rnd = uniform(mix32(seed, epoch, step, 1));
  const picked: Array<{ img: number; mirrored: boolean }> = [];
  for (let b = 0; b < imagesPerStep; b++) {
    const img = trainImages[perm[(step * imagesPerStep + b) % perm.length] as number] as number;
    const mirrored = rnd() < 0.5;
    let u = rnd(), view = VIEWS[0] as View;
    for (const v of VIEWS) { if (u < v.share) { view = v; break; } u -= v.share; }
    defended(img, mirrored, { mode: view.mode, deterministic: false, seed: Math.floor(rnd() * 2 ** 32) >>> 0 }, x, b * 3 * D, view.lambda);
    target.set(targetOf(img, mirrored), b * EMBEDDING_SIZE);
    picked.push({ img, mirrored });
  }
  if (adversarial) {
    // The second half: the same faces, attacked at this step's eps, then defended with a fresh mask of the default mode.
    const half = imagesPerStep;
    const attacked = await lossAscent(runner, weights, picked.map((p) => faceOf(p.img, p.mirrored)), { [TARGET_INPUT]: target.slice(0, half * EMBEDDING_SIZE) }, {
      eps: epsAt(epoch * stepsPerEpoch + step), steps: adversarial.pgdSteps, alphaRatio: 2.5 / adversarial.pgdSteps, rng: uniform(mix32(seed, epoch, step, 2)), defense: attackDefense,
    });
    attacked.forEach((plane, b) => {
      defendPlane(plane, { mode: defaultDefense.mode, deterministic: false, seed: Math.floor(rnd() * 2 ** 32) >>> 0 }, x, (half + b) * 3 * D);
      target.copyWithin((half + b) * EMBEDDING_SIZE, b * EMBEDDING_SIZE, (b + 1) * EMBEDDING_SIZE);
    });
  }
  return { x, n: batchSize, extra: { [TARGET_INPUT]: target }, ...(adversarial ? { weight: sampleWeight } : {}) };
}
let permCache: { epoch: number; perm: Int32Array } | undefined;
function epochPermutation(epoch: number): Int32Array {
  if (permCache?.epoch === epoch) return permCache.perm;
  const perm = Int32Array.from(trainImages, (_, i) => i);
  const rnd = uniform(mix32(seed, epoch, 0xe90c));
  for (let i = perm.length - 1; i > 0; i--) { const j = Math.floor(rnd() * (i + 1)); const t = perm[i] as number; perm[i] = perm[j] as number; perm[j] = t; }
  permCache = { epoch, perm };
  return perm;
}

/**
 * Identity kept under attack on the first validation images: PGD (10 steps, EOT over a fresh
 * mask per step, at the run's eps) through the default defense on the network being trained.
 */
async function identityUnderAttack(weights: readonly Float32Array[]): Promise<Record<string, number>> {
  if (!adversarial) return {};
  const cos: number[] = [];
  const B = batchSize >> 1, n = Math.min(64, validationImages.length), xs = new Float32Array(B * 3 * D), ts = new Float32Array(B * EMBEDDING_SIZE);
  for (let s = 0; s < n; s += B) {
    const m = Math.min(B, n - s), imgs = Array.from(validationImages.subarray(s, s + m));
    imgs.forEach((img, b) => ts.set(targetOf(img, false), b * EMBEDDING_SIZE));
    const attacked = await lossAscent(runner, weights, imgs.map((img) => faceOf(img, false)), { [TARGET_INPUT]: ts.subarray(0, m * EMBEDDING_SIZE) }, {
      eps: adversarial.eps, steps: 10, alphaRatio: 0.25, rng: uniform(mix32(seed, s, 0xad)), defense: attackDefense,
    });
    attacked.forEach((plane, b) => defendPlane(plane, { mode: defaultDefense.mode, deterministic: false, seed: mix32(seed, s + b, 0xa2) }, xs, b * 3 * D));
    const { y } = await runner.run(xs.subarray(0, m * 3 * D), new Float32Array(m), m, weights, { [TARGET_INPUT]: ts.subarray(0, m * EMBEDDING_SIZE) }, 'output');
    for (let b = 0; b < m; b++) cos.push(1 - (y[b] as number));
  }
  return meanAndP05(cos, 'attacked');
}

/** Mean and 5th percentile of cosines, as `<name>Mean` and `<name>P05`, to 5 digits (the manifest's history). */
function meanAndP05(cos: number[], name: string): Record<string, number> {
  const s = [...cos].sort((a, b) => a - b);
  return { [`${name}Mean`]: Number((s.reduce((a, b) => a + b, 0) / s.length).toFixed(5)), [`${name}P05`]: Number((s[Math.floor(0.05 * (s.length - 1))] as number).toFixed(5)) };
}

/** Identity kept on the validation people: cos(f_0(x), f_θ(D(x))), default mode, fixed masks. */
async function identityKept(net: BatchRecognizer): Promise<Record<string, number>> {
  const cos: number[] = [];
  const B = 32, xs = new Float32Array(B * 3 * D);
  for (let s = 0; s < validationImages.length; s += B) {
    const n = Math.min(B, validationImages.length - s);
    for (let b = 0; b < n; b++) defended(validationImages[s + b] as number, false, { mode: defaultDefense.mode, deterministic: false, seed: mix32(seed, s + b, 0xa1) }, xs, b * 3 * D);
    const y = await net(xs.subarray(0, n * 3 * D), n);
    for (let b = 0; b < n; b++) {
      const e = l2normalize(y.subarray(b * EMBEDDING_SIZE, (b + 1) * EMBEDDING_SIZE)), t = targetOf(validationImages[s + b] as number, false);
      let c = 0;
      for (let k = 0; k < EMBEDDING_SIZE; k++) c += (e[k] as number) * (t[k] as number);
      cos.push(c);
    }
  }
  return meanAndP05(cos, 'identity');
}
const modelOf = (w: readonly Float32Array[]) => withWeights(forward, new Map(params.map((p, i) => [p, w[i] as Float32Array])));

const before = { ...(await identityKept(await batchRecognizer(startBytes, threads))), ...(await identityUnderAttack(runner.initial())) };
log(`validation before training (the starting network on D(x)): ${JSON.stringify(before)}; ${params.length} weight tensors, ${stepsPerEpoch} steps per epoch`);
const result = await train({
  runner, epochs, stepsPerEpoch, label, key: runKey, checkpointPath,
  schedule: { lr: peakLr, warmup: settings.warmup, total: totalSteps, minLr: peakLr / 20 },
  adam: { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay }, decayToStart: true, clip: 5,
  batch, validate: async (w) => ({ ...(await identityKept(await batchRecognizer(writeModel(modelOf(w)), threads))), ...(await identityUnderAttack(w)) }),
});
if (!result.done) { log('stopped early; run again to resume'); process.exit(0); }

const bytes = writeModel({ ...modelOf(result.weights), producer_name: `pinface ${label}` });
writeFileSync(outFile, bytes);
const outSha = sha256Hex(bytes);
const minutes = (performance.now() - t0) / 60_000;
log(`${outFile}: sha256 ${outSha} (${(bytes.length / 2 ** 20).toFixed(1)} MiB), ${minutes.toFixed(1)} min in this process`);
if (outFile === defaultOut) {
  const flags = adversarial ? ` --beta ${adversarial.beta} --eps ${adversarial.eps} --pgd-steps ${adversarial.pgdSteps} --eps-warmup ${adversarial.epsWarmup}` : '';
  const previous = (recordInManifest(adversarial ? 'robustRecognizer' : 'pinRecognizer', {
    file: defaultOut.split('/').pop(), sha256: outSha, bytes: bytes.length,
    derivedFrom: adversarial
      ? { file: 'fr_feature_pin.onnx', sha256: sha256Hex(startBytes), license: 'MIT (faceplugin-face-recognition-js), training data terms as pinRecognizer' }
      : { file: 'fr_feature.onnx', sha256: manifest.models.feature.sha256, license: 'MIT (faceplugin-face-recognition-js)' },
    usedBy: adversarial ? 'a candidate for the projecting modes (npm run eval -- --recognizer models/fr_feature_pin_robust.onnx)' : 'every projecting defense mode (topk, pin-threshold, pin-learned); none keeps fr_feature.onnx',
    training: {
      command: `npm run ${label} -- --epochs ${epochs} --batch ${batchSize} --lr ${peakLr} --weight-decay ${weightDecay} --seed ${seed}${flags}`,
      objective: adversarial
        ? 'adversarially robust distillation: 1 - cos(f_theta(D(x)), f_0(x)) + beta (1 - cos(f_theta(D(x + delta)), f_0(x))), delta the l_inf PGD maximiser through the default mode\'s drawn-mask projection (fresh mask per PGD step) at the current weights, eps ramped up'
        : 'label-free distillation: 1 - cos(f_theta(D(x)), f_0(x)), D the product projector with a fresh mask per sample (modes, lambdas and shares in views), mirrors',
      ...(adversarial ? { adversarial } : {}),
      data: 'LFW dev people outside dev folds 5-8 and the fit part of UTKFace (Zhang, Song, Qi, CVPR 2017; non-commercial research use only: weights trained on it carry those terms), 1 in 20 people held out for validation; dev folds 5-8 and the UTKFace report part never seen',
      space: manifest.space.sha256, views: VIEWS,
      images: trainImages.length, validationImages: validationImages.length, epochs, stepsPerEpoch, batch: batchSize, lr: peakLr, weightDecay, seed,
      validationBefore: before, history: result.history,
    },
  }) as { sha256?: string } | undefined)?.sha256;
  log(previous === undefined ? 'manifest updated' : previous === outSha ? 'reproduced the committed recognizer bit for bit' : `differs from the committed recognizer (was ${previous})`);
}
