/**
 * @module The training loop: epochs of optimizer steps over a network whose output is a
 * per-sample loss (train/losses.ts), with weight gradients from eval/grad on onnxruntime-node.
 * Seeded through the caller's `batch(epoch, step)`, which must be a pure function of its
 * arguments; then a run resumed from a checkpoint takes exactly the steps an uninterrupted one
 * would. A checkpoint per epoch (weights and optimizer state), progress and ETA on stderr.
 */
import type { ParamGradientRunner } from '../eval/grad/session.ts';
import { readCheckpoint, writeCheckpoint } from './checkpoint.ts';
import { adamState, adamStep, clipGlobalNorm, defaultAdam, learningRate, type AdamConfig, type Schedule } from './optimizer.ts';

export interface StepBatch {
  x: Float32Array;
  n: number;
  /** The loss graph's further inputs (e.g. the distillation target), batch first. */
  extra?: Record<string, Float32Array>;
  /** Per-sample weight of the loss (1 each when absent): a step minimises sum(w_i loss_i) / n. */
  weight?: Float32Array;
}

export type Metrics = Record<string, number>;

export interface EpochLog { epoch: number; loss: number; seconds: number; validation?: Metrics }

export interface TrainOptions {
  /** Built on the loss graph: its output is the per-sample loss [N, 1]. */
  runner: ParamGradientRunner;
  epochs: number;
  stepsPerEpoch: number;
  schedule: Schedule;
  adam?: AdamConfig;
  /** Largest global gradient norm (clipped above). */
  clip?: number;
  /** Decay toward the starting weights instead of toward zero. */
  decayToStart?: boolean;
  /**
   * `weights`: the network as it is before this step (adversarial training attacks it). On a
   * resumed run they equal the uninterrupted run's, so the batch stays a pure function.
   */
  batch(epoch: number, step: number, weights: readonly Float32Array[]): Promise<StepBatch>;
  /** Run after each epoch on the new weights; its metrics go into the log and the checkpoint. */
  validate?(weights: Float32Array[], epoch: number): Promise<Metrics>;
  /** Where the per-epoch checkpoint lives; a checkpoint with another `key` is not resumed. */
  checkpointPath: string;
  /** Everything that determines the run (data, seed, settings, starting weights), as a fingerprint. */
  key: string;
  label: string;
  /** Stop after this many epochs in this process (tests interrupt a run this way). */
  stopAfterEpochs?: number;
  /** Called after every step (tests and progress). */
  onStep?(info: { epoch: number; step: number; loss: number; lr: number }): void;
}

interface CheckpointMeta { key: string; epoch: number; adamStep: number; history: EpochLog[] }

export interface TrainResult { weights: Float32Array[]; history: EpochLog[]; resumedFrom: number; done: boolean }

const fmt = (s: number): string => (s >= 3600 ? `${(s / 3600).toFixed(1)} h` : s >= 60 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(0)} s`);

export async function train(o: TrainOptions): Promise<TrainResult> {
  const log = (m: string) => process.stderr.write(`[pinface] [${o.label}] ${m}\n`);
  const start = o.runner.initial();
  let weights: Float32Array[] = start.map((w) => w.slice());
  let state = adamState(weights);
  let history: EpochLog[] = [];
  let first = 0;
  const saved = readCheckpoint<CheckpointMeta>(o.checkpointPath);
  if (saved && saved.meta.key === o.key) {
    const k = weights.length;
    weights = saved.arrays.slice(0, k);
    state = { step: saved.meta.adamStep, m: saved.arrays.slice(k, 2 * k), v: saved.arrays.slice(2 * k, 3 * k) };
    history = saved.meta.history;
    first = saved.meta.epoch;
    log(`resuming after epoch ${first} of ${o.epochs} (${o.checkpointPath})`);
  } else if (saved) {
    log(`a checkpoint of another run is at ${o.checkpointPath}: starting afresh (it will be replaced)`);
  }
  const adam = o.adam ?? defaultAdam;
  const totalSteps = o.epochs * o.stepsPerEpoch;
  const t0 = performance.now();
  let stepsHere = 0;
  const last = Math.min(o.epochs, first + (o.stopAfterEpochs ?? Infinity));
  for (let epoch = first; epoch < last; epoch++) {
    const e0 = performance.now();
    let lossSum = 0, seen = 0, lastDraw = 0;
    for (let step = 0; step < o.stepsPerEpoch; step++) {
      const b = await o.batch(epoch, step, weights);
      // The cotangent of the per-sample loss is w_i/n: the gradient of the weighted batch mean.
      const cotangent = new Float32Array(b.n).map((_, i) => (b.weight?.[i] ?? 1) / b.n);
      const { y, grads } = await o.runner.run(b.x, cotangent, b.n, weights, b.extra);
      let loss = 0;
      for (let i = 0; i < b.n; i++) loss += (b.weight?.[i] ?? 1) * (y[i] as number);
      loss /= b.n;
      if (!Number.isFinite(loss)) throw new Error(`[pinface] [${o.label}] the loss is ${loss} at epoch ${epoch + 1} step ${step + 1}; lower the learning rate`);
      clipGlobalNorm(grads, o.clip ?? Infinity);
      const globalStep = epoch * o.stepsPerEpoch + step;
      const lr = learningRate(o.schedule, globalStep);
      adamStep(weights, grads, state, adam, lr, o.decayToStart ? start : undefined);
      lossSum += loss * b.n; seen += b.n; stepsHere++;
      o.onStep?.({ epoch, step, loss, lr });
      const now = performance.now();
      if (now - lastDraw > 2000 || step === o.stepsPerEpoch - 1) {
        lastDraw = now;
        const perStep = (now - t0) / 1000 / stepsHere;
        const left = totalSteps - (globalStep + 1);
        process.stderr.write(`\r[pinface] [${o.label}] epoch ${epoch + 1}/${o.epochs} step ${step + 1}/${o.stepsPerEpoch} loss ${(lossSum / seen).toFixed(5)} lr ${lr.toExponential(2)} ${perStep.toFixed(2)} s/step eta ${fmt(perStep * left)}   `);
      }
    }
    process.stderr.write('\n');
    const entry: EpochLog = { epoch: epoch + 1, loss: lossSum / seen, seconds: (performance.now() - e0) / 1000 };
    if (o.validate) entry.validation = await o.validate(weights, epoch + 1);
    history = [...history, entry];
    log(`epoch ${epoch + 1}: train loss ${entry.loss.toFixed(5)}${entry.validation ? `, validation ${JSON.stringify(entry.validation)}` : ''} (${fmt(entry.seconds)})`);
    writeCheckpoint<CheckpointMeta>(o.checkpointPath, { meta: { key: o.key, epoch: epoch + 1, adamStep: state.step, history }, arrays: [...weights, ...state.m, ...state.v] });
  }
  return { weights, history, resumedFrom: first, done: last === o.epochs };
}
