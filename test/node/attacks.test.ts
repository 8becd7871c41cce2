/**
 * Sanity of the attack lab on a small fixed pair set (test/fixtures/attack: 4 genuine and 4
 * impostor pairs of dev fold 1, aligned by our pipeline), undefended recognizer, calibrated
 * threshold of defense "none". Attacks perturb the first face of each pair against the clean
 * embedding of the second.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import manifest from '../../models/manifest.json' with { type: 'json' };
import { objective, type Objective } from '../../eval/attacks/objective.ts';
import { fgsm, pgd, type LinfTask } from '../../eval/attacks/linf.ts';
import { median, minimalEps } from '../../eval/attacks/minimal.ts';
import { cwL2, pgdL2 } from '../../eval/attacks/l2.ts';
import { pinDefense } from '../../eval/defenses/pin.ts';
import { nodeKernel } from '../../scripts/lib/node-kernel.ts';
import { defaultDefense } from '../../src/config.ts';
import { createProjector } from '../../src/immune/project.ts';
import { parseSpace } from '../../src/immune/space-file.ts';
import { gradientRunner } from '../../eval/grad/session.ts';
import { uniform } from '../../src/immune/rng.ts';
import { attackPairs, attackTask, fixtureFace } from '../helpers/attack-fixture.ts';
import type { DifferentiableDefense } from '../../eval/attacks/objective.ts';

const meta = { pairs: attackPairs };
const face = fixtureFace;
const threshold = manifest.calibration.modes.none.threshold;

let obj: Objective;
let task: LinfTask;
const same = meta.pairs.map((p) => p.same);

const cosines = async (faces: Float32Array[]): Promise<number[]> => (await obj.embed(faces)).map((e, i) => {
  const r = task.refs[i] as Float32Array;
  return e.reduce((s, v, j) => s + v * (r[j] as number), 0);
});
/** Pairs still decided correctly, and the attacker's mean objective. */
const judge = async (faces: Float32Array[]) => {
  const cos = await cosines(faces);
  return {
    accuracy: cos.filter((c, i) => (c >= threshold) === same[i]).length / cos.length,
    objective: cos.reduce((s, c, i) => s + (task.sign[i] as number) * c, 0) / cos.length,
  };
};

beforeAll(async () => {
  obj = objective(await gradientRunner(new Uint8Array(readFileSync(new URL('../../models/fr_feature.onnx', import.meta.url)))));
  task = await attackTask(obj);
});

describe('attack sanity (undefended recognizer)', () => {
  it('the clean pairs are decided correctly', async () => {
    expect((await judge(task.faces)).accuracy).toBe(1);
  });

  it('PGD at eps 8/255 takes accuracy to about 0; FGSM is weaker; a larger eps never helps the defender', async () => {
    const results = [];
    for (const eps of [2, 4, 8]) results.push({ eps, ...(await judge(await pgd(obj, task, eps, { rng: uniform(1) }))) });
    const at8 = results[2] as { accuracy: number; objective: number };
    expect(at8.accuracy).toBeLessThanOrEqual(1 / 8);
    for (let i = 1; i < results.length; i++) {
      expect((results[i] as { accuracy: number }).accuracy).toBeLessThanOrEqual((results[i - 1] as { accuracy: number }).accuracy);
      expect((results[i] as { objective: number }).objective).toBeGreaterThan((results[i - 1] as { objective: number }).objective);
    }
    const f = await judge(await fgsm(obj, task, 8));
    expect(f.accuracy).toBeGreaterThanOrEqual(at8.accuracy);
    expect(f.objective).toBeLessThan(at8.objective);
  });

  it('stays inside the eps-ball and the pixel range', async () => {
    const adv = await pgd(obj, task, 4, { steps: 2, rng: uniform(2) });
    adv.forEach((a, i) => {
      const c = task.faces[i] as Float32Array;
      for (let j = 0; j < a.length; j++) {
        expect(Math.abs((a[j] as number) - (c[j] as number))).toBeLessThanOrEqual(4 + 1e-4);
        expect(a[j]).toBeGreaterThanOrEqual(0);
        expect(a[j]).toBeLessThanOrEqual(255);
      }
    });
  });
});

describe('l2 attacks (undefended recognizer)', () => {
  const l2 = (a: Float32Array, b: Float32Array) => Math.sqrt(a.reduce((s, v, j) => s + (v - (b[j] as number)) ** 2, 0));

  it('PGD-l2 stays inside the l2 ball and breaks the recognizer at eps 512 (2.0 in [0,1] units)', async () => {
    const adv = await pgdL2(obj, task, { eps: 512, rng: uniform(4) });
    adv.forEach((a, i) => expect(l2(a, task.faces[i] as Float32Array)).toBeLessThanOrEqual(512 + 1e-2));
    expect((await judge(adv)).accuracy).toBeLessThanOrEqual(1 / 8);
  });

  it('CW-l2 returns the clean face or a perturbation across the threshold, most of them small', async () => {
    const adv = await cwL2(obj, task, { threshold, steps: 40 });
    const cos = await cosines(adv);
    let small = 0;
    adv.forEach((a, i) => {
      const d = l2(a, task.faces[i] as Float32Array);
      if (d === 0) return;
      expect((cos[i] as number) >= threshold).toBe(!same[i]);
      if (d < 256) small++;
    });
    expect(small).toBeGreaterThanOrEqual(4);
  });
});

describe('minimal budget (binary search per pair)', () => {
  /** Success through `defense` at its calibrated threshold, against the reference seen through it too. */
  const successThrough = async (defense: DifferentiableDefense | undefined, t: number) => {
    const refs = await obj.embed(meta.pairs.map((p) => face(p.b)), defense, uniform(5));
    return async (adv: Float32Array[]) => (await obj.embed(adv, defense, uniform(6))).map((e, i) => {
      const c = e.reduce((s, v, j) => s + v * (refs[i]![j] as number), 0);
      return (c >= t) !== same[i];
    });
  };
  const attack = (t: LinfTask, eps: number[]) => pgd(obj, t, eps, { rng: uniform(3) });

  it('finds a small budget against the undefended recognizer and a larger one when PIN stands in front (gray-box)', async () => {
    const bare = await minimalEps(task, attack, await successThrough(undefined, threshold), { maxEps: 16, rounds: 4 });
    expect(bare.every(Number.isFinite)).toBe(true);
    expect(median(bare)).toBeLessThanOrEqual(4);
    const space = parseSpace(new Uint8Array(readFileSync(new URL('../../models/immune-space.bin', import.meta.url))));
    const kernel = await nodeKernel();
    const pin = pinDefense(createProjector(kernel, space, defaultDefense), kernel, space, 'pin-threshold');
    const defended = await minimalEps(task, attack, await successThrough(pin, manifest.calibration.modes['pin-threshold'].threshold), { maxEps: 16, rounds: 4 });
    expect(median(defended)).toBeGreaterThan(median(bare));
  });
});
