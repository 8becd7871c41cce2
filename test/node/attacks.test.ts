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
import { gradientRunner } from '../../eval/grad/session.ts';
import { uniform } from '../../src/immune/rng.ts';

const fixture = (f: string) => readFileSync(new URL(`../fixtures/attack/${f}`, import.meta.url));
const meta = JSON.parse(String(fixture('pairs.json'))) as { pairs: Array<{ same: boolean; a: number; b: number }> };
const bytes = fixture('faces.u8');
const face = (i: number) => Float32Array.from(bytes.subarray(i * 12544, (i + 1) * 12544));
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
  const refs = await obj.embed(meta.pairs.map((p) => face(p.b)));
  task = { faces: meta.pairs.map((p) => face(p.a)), refs, sign: same.map((s) => (s ? -1 : 1)) };
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
