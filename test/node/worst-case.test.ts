/**
 * The worst-case evaluation's own checks (eval/attacks/apgd.ts, rays.ts, worst-case.ts) on the
 * attack fixture (4 genuine and 4 impostor pairs of dev fold 1), undefended recognizer at the
 * calibrated threshold of `none`: APGD and RayS break the bare network, and a deliberately
 * broken defense (rounding, whose gradient is zero: gradient masking) fools a gradient-only
 * evaluation but not the worst case over attacks, so a weak attack cannot pass silently.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import manifest from '../../models/manifest.json' with { type: 'json' };
import { apgd, checkpoints } from '../../eval/attacks/apgd.ts';
import { pgd, type LinfTask } from '../../eval/attacks/linf.ts';
import { fromPlane, identityDefense, objective, toPlane, type DifferentiableDefense, type Objective } from '../../eval/attacks/objective.ts';
import { rays } from '../../eval/attacks/rays.ts';
import { apgdMinimal, apgdStop, fooledBy, margins, medianInterval, subTask, raysMinimal, squareAt, successCurve, transferMinimal, wilson, worstCase, type Target } from '../../eval/attacks/worst-case.ts';
import { evalDefenses } from '../../eval/defenses/index.ts';
import { gradientRunner } from '../../eval/grad/session.ts';
import { calibratedThreshold } from '../../src/calibration.ts';
import { uniform } from '../../src/immune/rng.ts';
import { attackTask } from '../helpers/attack-fixture.ts';

const threshold = manifest.calibration.modes.none.threshold;

let obj: Objective;
let task: LinfTask;
let bare: Target;

/** Gradient masking: the face rounded to whole pixel values (nothing an eps >= 1 attack notices), with rounding's true derivative, 0. */
const rounding: DifferentiableDefense = (plane) => ({ plane: toPlane(fromPlane(plane).map(Math.round)), backward: (g) => new Float32Array(g.length) });

beforeAll(async () => {
  obj = objective(await gradientRunner(new Uint8Array(readFileSync(new URL('../../models/fr_feature.onnx', import.meta.url)))));
  task = await attackTask(obj);
  bare = { defense: identityDefense, recognizer: obj, threshold, random: false };
});

describe('APGD', () => {
  it('checkpoints follow Croce and Hein (0.22 N first, gaps shrinking by 0.03 N to 0.06 N)', () => {
    expect(checkpoints(100)).toEqual([22, 41, 57, 70, 80, 87, 93, 99]);
  });

  it('breaks every pair of the bare recognizer at eps 8, stays in the ball, and is at least as strong as PGD at eps 2', async () => {
    const r = await apgd(obj, task, { eps: 8, threshold, iterations: 20, rng: uniform(1) });
    expect(await fooledBy(bare, task, r.faces, uniform(2))).toEqual(task.faces.map(() => true));
    r.faces.forEach((f, i) => f.forEach((v, j) => expect(Math.abs(v - (task.faces[i] as Float32Array)[j]!)).toBeLessThanOrEqual(8 + 1e-3)));
    const count = (xs: boolean[]) => xs.filter(Boolean).length;
    const a2 = await apgd(obj, task, { eps: 2, threshold, iterations: 20, rng: uniform(3) });
    const p2 = await pgd(obj, task, 2, { rng: uniform(3) });
    expect(count(await fooledBy(bare, task, a2.faces, uniform(4)))).toBeGreaterThanOrEqual(count(await fooledBy(bare, task, p2, uniform(4))));
    // The margin it reports is the judge's margin.
    const m = await margins(bare, task, a2.faces, uniform(5));
    a2.margin.forEach((v, i) => expect(v).toBeCloseTo(m[i] as number, 4));
  });
});

describe('APGD through a random defense (PIN)', () => {
  it('stops only where fresh-draw judges agree the pair is broken (stopping at an averaged margin of 0 does not)', async () => {
    const projecting = objective(await gradientRunner(new Uint8Array(readFileSync(new URL(`../../models/${manifest.pinRecognizer.file}`, import.meta.url)))));
    const [pin] = await evalDefenses(['pin-threshold'], { clean: projecting, projecting });
    if (!pin) throw new Error('no PIN defense');
    const t: Target = { defense: pin.defense, recognizer: pin.recognizer, threshold: calibratedThreshold('pin-threshold', 1e-3), random: true };
    // Impostor pairs 4 and 7 of the fixture at 2/255: pair 4 reachable, but only just (margins of 0.005 to 0.06), pair 7 not.
    const two = subTask(await attackTask(pin.recognizer, pin.defense, uniform(4)), [4, 7]);
    const judges = async (stopAbove: number) => {
      const r = await apgd(pin.recognizer, two, { eps: 2, threshold: t.threshold, iterations: 10, samples: 8, defense: pin.defense, rng: uniform(2), stopAbove });
      expect(r.margin[0]).toBeGreaterThan(stopAbove);
      return Promise.all(Array.from({ length: 8 }, async (_, k) => (await fooledBy(t, two, r.faces, uniform(100 + k)))[0]));
    };
    expect(apgdStop(t)).toBeGreaterThan(0);
    expect(await judges(apgdStop(t))).toEqual(new Array(8).fill(true));
    // The old rule: APGD reports the pair broken, and fresh judges disagree.
    expect(await judges(0)).toContain(false);
  });
});

describe('RayS (hard label)', () => {
  it('finds an adversarial face at the radius it reports, inside that radius', async () => {
    const i = 0;
    const one: LinfTask = { faces: [task.faces[i] as Float32Array], refs: [task.refs[i] as Float32Array], sign: [task.sign[i] as number] };
    const r = await rays(one.faces[0] as Float32Array, async (x) => ((await margins(bare, one, [x], uniform(1)))[0] as number) > 0, { queries: 400, maxEps: 32, rng: uniform(2) });
    expect(Number.isFinite(r.eps)).toBe(true);
    expect(r.queries).toBeLessThanOrEqual(400);
    expect((await margins(bare, one, [r.face], uniform(1)))[0]).toBeGreaterThan(0);
    r.face.forEach((v, j) => expect(Math.abs(v - (one.faces[0] as Float32Array)[j]!)).toBeLessThanOrEqual(r.eps + 1e-3));
  });
});

describe('a deliberately broken defense (gradient masking by rounding)', () => {
  it('fools a gradient-only evaluation, not the worst case over attacks', async () => {
    const masked: Target = { ...bare, defense: rounding };
    const search = { maxEps: 16, rounds: 3, rng: uniform(7) };
    const white = await apgdMinimal(masked, task, { ...search, iterations: 10, restarts: 1, samples: 1 });
    // Zero gradients: the white-box attack never moves, and alone it would call the defense robust.
    expect(white.every((m) => m === Infinity)).toBe(true);
    const gray = await transferMinimal(masked, task, search, async (idx, eps) => pgd(obj, { faces: idx.map((i) => task.faces[i] as Float32Array), refs: idx.map((i) => task.refs[i] as Float32Array), sign: idx.map((i) => task.sign[i] as number) }, eps, { rng: uniform(8) }));
    const hard = await raysMinimal(masked, task, 300, 32, uniform(9));
    const square = await squareAt(masked, task, 8, 100, uniform(10));
    const worst = worstCase({ apgd: white, gray, rays: hard.eps }, { square: { eps: 8, fooled: square.fooled } });
    expect(medianInterval(worst).median).toBeLessThanOrEqual(8);
    expect(successCurve(worst, [16])[0]?.success).toBeGreaterThanOrEqual(7 / 8);
  });
});

describe('intervals', () => {
  it('Wilson and the median interval bracket what they estimate', () => {
    const w = wilson(10, 100);
    expect(w.low).toBeLessThan(0.1);
    expect(w.high).toBeGreaterThan(0.1);
    expect(w.low).toBeCloseTo(0.0552, 3);
    expect(w.high).toBeCloseTo(0.1744, 3);
    const xs = Array.from({ length: 200 }, (_, i) => i + 1);
    const m = medianInterval(xs);
    expect(m.median).toBe(100.5);
    expect(m).toMatchObject({ low: 86, high: 115 });
    expect(successCurve([0, 1, 2, Infinity], [0, 1, 2, 64]).map((s) => s.success)).toEqual([0.25, 0.5, 0.75, 0.75]);
  });
});
