import { describe, expect, it } from 'vitest';
import { unitFileName, type UnitTiming } from '../../eval/cache.ts';
import { interimBudgets, interimMarkdown, interimSquare, interimSquareMarkdown, laneArgs, planMarkdown, squareOrder, unitHours, worstCasePlan } from '../../eval/worst-case-plan.ts';

const timing = (defense: string, attack: string, minutes: number): UnitTiming => ({ defense, attack, minutes, threads: 1, at: '2026-12-04T00:00:00Z' });

describe('worst-case plan from the cache alone', () => {
  const candidate = 'pin-threshold+robust-0fbf18f716ab';
  const file = (key: string, unit: string) => unitFileName(`${key}-${unit}-n30-t0.377309-seed1`);
  const input = {
    keys: ['pin-threshold', candidate], attacks: ['apgd', 'square'], checks: ['apgd-2x-4'], pairs: 30, seed: 1, chunking: { oneUnit: 5, size: 10 },
    files: [
      file('pin-threshold', 'apgd-pairs0-10'), file('pin-threshold', 'apgd-pairs10-20'), file('pin-threshold', 'apgd-pairs20-30'),
      file('pin-threshold', 'square-pairs0-10'),
      // Another seed, another pair count and a prefix-sharing key are not this run's units.
      unitFileName('pin-threshold-square-pairs10-20-n30-t0.377309-seed2'), unitFileName('pin-threshold-square-pairs20-30-n40-t0.377309-seed1'),
      file(candidate, 'apgd-pairs0-10'),
    ],
    timings: [timing('pin-threshold', 'apgd', 2), timing('pin-threshold', 'apgd', 4), timing('pin-threshold', 'square', 20), timing(candidate, 'apgd', 5)],
  };
  const rows = worstCasePlan(input);
  const row = (d: string, a: string) => rows.find((r) => r.defense === d && r.attack === a);

  it('counts the units of this run on disk, per defense and attack, the doubling check as one unit', () => {
    expect(rows.map((r) => `${r.defense} ${r.attack} ${r.done}/${r.total}`)).toEqual([
      'pin-threshold apgd 3/3', 'pin-threshold square 1/3', 'pin-threshold apgd-2x-4 0/1',
      `${candidate} apgd 1/3`, `${candidate} square 0/3`, `${candidate} apgd-2x-4 0/1`,
    ]);
  });

  it('estimates what is left at the row own pace, else at other rows pace, else says it does not know', () => {
    expect(row('pin-threshold', 'square')).toMatchObject({ perUnit: 20, measured: 1, borrowed: false, left: 40 });
    expect(row(candidate, 'apgd')).toMatchObject({ perUnit: 5, borrowed: false, left: 10 });
    expect(row(candidate, 'square')).toMatchObject({ perUnit: 20, borrowed: true, left: 60 });
    expect(row(candidate, 'apgd-2x-4')?.left).toBeUndefined();
    const md = planMarkdown(rows);
    expect(md).toContain('5 of 14 units done; about 1.8 h left at the pace so far (plus 2 attack(s) never timed yet).');
  });

  it('paces by the median unit, so one unit timed across a pause does not swell the estimate', () => {
    const paused = worstCasePlan({ ...input, timings: [...input.timings, timing(candidate, 'apgd', 4), timing(candidate, 'apgd', 6), timing(candidate, 'apgd', 131.6)] });
    expect(paused.find((r) => r.defense === candidate && r.attack === 'apgd')).toMatchObject({ perUnit: 5.5, measured: 4, left: 11 });
    // What the units done took, for the report: 3 x 3 + 1 x 20 + 1 x 5.5 minutes at the median unit; as timed, the
    // pause counts. A row's borrowed pace paces its own units only, and no other row's timings enter its time.
    expect(unitHours(paused)).toEqual({ paced: 34.5 / 60, timed: (2 + 4 + 20 + 5 + 4 + 6 + 131.6) / 60 });
    expect(planMarkdown(paused)).toContain('The units done took about 0.6 h of one-thread unit time at each attack\'s median unit (2.9 h as timed, pauses and other jobs included).');
  });
});

describe('paces borrowed from another attack', () => {
  const file = (unit: string) => unitFileName(`pin-threshold-${unit}-n30-t0.377309-seed1`);
  const input = {
    keys: ['pin-threshold'], attacks: ['apgd', 'rays', 'square'], checks: ['apgd-2x-4'], pairs: 30, seed: 1, chunking: { oneUnit: 5, size: 10 },
    files: [file('apgd-pairs0-10'), file('rays-pairs0-10')],
    timings: [timing('pin-threshold', 'apgd', 3), timing('pin-threshold', 'rays', 8), timing('pin-threshold', 'rays', 10)],
    derived: { square: { from: 'rays', factor: 5, upper: true }, 'apgd-2x-4': { from: 'apgd', factor: 0.5, upper: false } },
  };
  const rows = worstCasePlan(input);
  const row = (a: string) => rows.find((r) => r.attack === a);

  it('paces an untimed attack from the other one, as a bound or an estimate, and says which', () => {
    expect(row('square')).toMatchObject({ perUnit: 45, measured: 2, left: 135, derived: { from: 'rays', upper: true } });
    expect(row('apgd-2x-4')).toMatchObject({ perUnit: 1.5, left: 1.5, derived: { upper: false } });
    const md = planMarkdown(rows);
    expect(md).toContain('| pin-threshold | square | 0/3 | <= 45.0 (at most 5 x one rays unit, 2) | 135.0 |');
    expect(md).toContain('| pin-threshold | apgd-2x-4 | 0/1 | 1.5 (about 0.5 x one apgd unit, 1) | 1.5 |');
    // 2 x 3 + 2 x 9 + 135 + 1.5 minutes, the bound apart.
    expect(md).toContain('2 of 10 units done; about 2.7 h left at the pace so far, of which 2.3 h is an upper bound from another attack');
  });

  it('drops the borrowed pace once the attack has units of its own', () => {
    const own = worstCasePlan({ ...input, timings: [...input.timings, timing('pin-threshold', 'square', 20)] });
    expect(own.find((r) => r.attack === 'square')).toMatchObject({ perUnit: 20, measured: 1 });
    expect(own.find((r) => r.attack === 'square')?.derived).toBeUndefined();
  });
});

describe('interim budgets from the finished units', () => {
  // 30 pairs: 0-14 genuine (dodging), 15-29 impostor. APGD done for all, RayS for pairs 0-9 only.
  const file = (unit: string) => unitFileName(`pin-threshold-${unit}-n30-t0.377309-seed1`);
  const units: Record<string, unknown> = {
    [file('apgd-pairs0-10')]: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    [file('apgd-pairs10-20')]: [11, 12, 13, 14, 15, 1, 1, 1, 1, 1],
    [file('apgd-pairs20-30')]: [2, 2, 2, 2, 2, 2, 2, 2, 2, Infinity],
    // RayS stores its budgets under eps, with the queries they took.
    [file('rays-pairs0-10')]: { eps: [0.5, 9, 9, 9, 9, 9, 9, 9, 9, Infinity], queries: new Array(10).fill(2000) },
    // Another seed's unit is not this run's.
    [unitFileName('pin-threshold-rays-pairs10-20-n30-t0.377309-seed2')]: { eps: new Array(10).fill(0), queries: [] },
  };
  const rows = interimBudgets({
    keys: ['pin-threshold'], attacks: ['apgd', 'rays'], pairs: 30, seed: 1, chunking: { oneUnit: 5, size: 10 },
    files: Object.keys(units), read: (f) => units[f],
  });
  const row = (a: string) => rows.find((r) => r.attack === a);

  it('places each chunk at its pairs and splits dodging from impersonation by the pair index', () => {
    expect(row('apgd')).toMatchObject({ covered: 30, dodging: 15, impersonation: 15, dodgingMedian: 8, impersonationMedian: 2 });
    // At or below 1 / 2 / 4 / 8: the five 1s and pair 0; then pair 1 and nine 2s; then pairs 2-3; then pairs 4-7.
    expect(row('apgd')?.curve?.map((c) => Math.round(30 * c))).toEqual([6, 16, 18, 22]);
    expect(row('rays')).toMatchObject({ covered: 10, dodging: 10, impersonation: 0, dodgingMedian: 9 });
    expect(row('rays')?.impersonationMedian).toBeUndefined();
  });

  it('takes the worst case only over pairs every attack covers', () => {
    // min(apgd, rays) on pairs 0-9: 0.5, 2, 3, ..., 9, 10 -> an unbroken RayS pair falls back on APGD's 10.
    expect(row('worst so far')).toMatchObject({ covered: 10, dodging: 10, median: { median: 5.5 } });
    const md = interimMarkdown(rows, 30);
    expect(md).toContain('| pin-threshold | worst so far | 10/30 (10 / 0) | 5.5 (');
    expect(md).toContain('| pin-threshold | rays | 10/30 (10 / 0) | 9 (');
    expect(md).toContain('| dodging / impersonation | at or below 1 / 2 / 4 / 8/255 |');
    expect(md).toContain('| 8 / 2 | 20 / 53.3 / 60 / 73.3 % |');
  });
});

describe('interim Square from the finished units', () => {
  // 30 pairs, 0-14 dodging. Square has landed for pairs 10-19 (5 dodging, 5 impersonation), APGD for all.
  const file = (unit: string) => unitFileName(`pin-threshold-${unit}-n30-t0.377309-seed1`);
  const units = (lastApgd: number): Record<string, unknown> => ({
    [file('apgd-pairs0-10')]: new Array(10).fill(2),
    [file('apgd-pairs10-20')]: new Array(10).fill(3),
    [file('apgd-pairs20-30')]: [...new Array(9).fill(1), lastApgd],
    [file('square-pairs10-20')]: { fooled: [true, false, false, false, false, true, true, false, false, false], queries: new Array(10).fill(100) },
  });
  const square = (u: Record<string, unknown>) =>
    interimSquare({ keys: ['pin-threshold'], attacks: ['apgd'], pairs: 30, seed: 1, chunking: { oneUnit: 5, size: 10 }, files: Object.keys(u), read: (f) => u[f] }, 8)[0];

  it('counts the flipped pairs of the landed units, dodging and impersonation apart, with an interval', () => {
    const r = square(units(8));
    expect(r).toMatchObject({ covered: 10, dodging: { fooled: 1, of: 5 }, impersonation: { fooled: 2, of: 5 } });
    expect(r?.fooled.rate).toBeCloseTo(0.3);
    expect(r?.fooled.low).toBeGreaterThan(0.05);
    expect(r?.fooled.high).toBeLessThan(0.7);
    expect(interimSquareMarkdown(r ? [r] : [], 30, 8)).toContain('| pin-threshold | 10/30 (5 / 5) | 30 % (');
  });

  it('bounds the rate over all pairs and decides the black-box goal only once a bound crosses it', () => {
    const none = { fooled: new Array(10).fill(false), queries: new Array(10).fill(10_000) };
    const one = { fooled: [true, ...new Array(9).fill(false)], queries: new Array(10).fill(10_000) };
    // 3 of 30 flipped so far, 20 pairs unattacked: anywhere from 10 % to 77 %.
    expect(square(units(8))).toMatchObject({ ofAll: { low: 0.1, high: 23 / 30 }, goal: 'open' });
    // Every unit landed, 3 of 30 flipped: exactly 10 %, which the goal allows.
    expect(square({ ...units(8), [file('square-pairs0-10')]: none, [file('square-pairs20-30')]: none })).toMatchObject({ ofAll: { low: 0.1, high: 0.1 }, goal: 'met' });
    // A fourth flip decides it with 10 pairs still to come.
    const missed = square({ ...units(8), [file('square-pairs0-10')]: one });
    expect(missed).toMatchObject({ goal: 'missed' });
    expect(interimSquareMarkdown(missed ? [missed] : [], 30, 8)).toContain('| 13.3 % / 46.7 % | missed | yes |');
  });

  it('calls the worst case final only once every pair is at or below Square\'s eps, where Square cannot lower it', () => {
    expect(square(units(8))?.worstFinal).toBe(true);
    expect(interimSquareMarkdown([square(units(8)) as NonNullable<ReturnType<typeof square>>], 30, 8)).toContain('| 1 of 5 / 2 of 5 | 10 % / 76.7 % | open | yes |');
    expect(square(units(8.5))?.worstFinal).toBe(false);
    expect(square(units(Infinity))?.worstFinal).toBe(false);
    // A pair no minimal attack has covered yet could still be above 8.
    const partial = units(8);
    delete partial[file('apgd-pairs0-10')];
    expect(square(partial)?.worstFinal).toBe(false);
  });
});

describe('rows split over lanes', () => {
  const candidate = ['--recognizer', 'c.onnx', '--threshold', '0.4'];
  it('gives each lane one of the rows that project first, then the rest in turn; the candidate goes to one lane only', () => {
    expect(laneArgs(['none', 'pin-threshold', 'jpeg-50'], candidate, 2)).toEqual([['--defenses=pin-threshold,none'], ['--defenses=jpeg-50', ...candidate]]);
    expect(laneArgs(['none', 'pin-threshold'], undefined, 2)).toEqual([['--defenses=pin-threshold'], ['--defenses=none']]);
  });
  it('never starts an empty lane, and one lane runs everything', () => {
    expect(laneArgs(['none'], candidate, 3)).toEqual([['--defenses=', ...candidate], ['--defenses=none']]);
    expect(laneArgs(['none', 'pin-threshold'], candidate, 1)).toEqual([['--defenses=pin-threshold,none', ...candidate]]);
  });
});

describe('the order of the Squares in a lane', () => {
  const names = (rows: Array<{ name: string }>) => squareOrder(rows).map((r) => r.name);
  it('runs the defenses under study (PIN modes, topk, a candidate behind PIN) before the references, each group in turn', () => {
    // The second lane of the full run: JPEG, then the candidate appended after the preset's rows.
    expect(names([{ name: 'jpeg-50' }, { name: 'pin-threshold+robust-a60900d2b39c' }])).toEqual(['pin-threshold+robust-a60900d2b39c', 'jpeg-50']);
    expect(names([{ name: 'none' }, { name: 'topk' }, { name: 'jpeg-50' }, { name: 'pin-threshold' }])).toEqual(['topk', 'pin-threshold', 'none', 'jpeg-50']);
    expect(names([{ name: 'none' }])).toEqual(['none']);
  });
});
