/**
 * @module The shipped PIN as the full worst-case run attacks it (its 200 pairs of folds 5-8, the calibrated
 * threshold, the references through one mask draw of the run's seed), for the side studies that re-attack a few of
 * its pairs (eval/retry-rate.ts, eval/square-noise.ts) without the run's cache or its other rows.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, servedRecognizerPaths } from '../scripts/lib/node-models.ts';
import { calibratedThreshold } from '../src/calibration.ts';
import { uniform } from '../src/immune/rng.ts';
import type { LinfTask } from './attacks/linf.ts';
import { objective } from './attacks/objective.ts';
import type { Target } from './attacks/worst-case.ts';
import { attackedPairs, loadEvalData } from './data.ts';
import { evalDefenses, type EvalDefense } from './defenses/index.ts';
import { gradientRunner } from './grad/session.ts';

export const RUN_PAIRS = 200;

export async function shippedPin(dataDir = join(repoRoot, '..', 'shared', 'data')): Promise<{ defense: EvalDefense; target: Target; task: LinfTask; threshold: number }> {
  const read = (p: string) => new Uint8Array(readFileSync(p));
  const served = servedRecognizerPaths();
  const clean = objective(await gradientRunner(read(served.clean), { threads: 1 }));
  const projecting = objective(await gradientRunner(read(served.projecting), { threads: 1 }));
  const [defense] = await evalDefenses(['pin-threshold'], { clean, projecting });
  if (!defense) throw new Error('[pinface] pin-threshold is not an evaluation defense');
  const data = await loadEvalData(dataDir, 1);
  const attacked = attackedPairs(data, RUN_PAIRS, 1);
  const threshold = calibratedThreshold('pin-threshold', 1e-3);
  const target: Target = { defense: defense.defense, recognizer: defense.recognizer, threshold, random: defense.random };
  // The run's references: each target photo through one draw of rng seed + 3 (seed 1).
  const refs = await defense.recognizer.embed(attacked.map((p) => data.face(p.b) as Float32Array), defense.defense, uniform(1 + 3));
  const task = { faces: attacked.map((p) => data.face(p.a) as Float32Array), refs, sign: attacked.map((p) => (p.same ? -1 : 1)) };
  return { defense, target, task, threshold };
}
