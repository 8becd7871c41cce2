/**
 * @module What is left of a worst-case run, from its cache alone (no model loads): per defense and
 * attack, the units on disk against the units the preset needs, and the minutes left at the pace
 * the units computed so far took (timings.jsonl). The full preset runs for a day, resumed over
 * sessions; this is how a resumed run says how far it is.
 */
import { median } from './attacks/minimal.ts';
import { medianInterval, RANDOM_STOP_MARGIN, wilson } from './attacks/worst-case.ts';
import { chunksOf, unitFileName, type UnitTiming } from './cache.ts';

/**
 * Up to `oneUnit` pairs, an attack is one cached unit (the quick and medium presets); above, one unit per
 * `size` pairs. At the medium run's rates the full preset's largest unit (Square, 10 pairs x 10,000 queries,
 * majority of 5 draws) is 25-45 min here, so a run split over sessions loses at most that much.
 */
export const CHUNKING = { oneUnit: 50, size: 10 };

/**
 * APGD's unit name carries its stop margin through random defenses: units made under another rule (the first
 * 'apgd' ones stopped at 0) stay on disk unread rather than mix with these.
 */
export const APGD_UNIT = `apgd-m${RANDOM_STOP_MARGIN}`;

export interface PlanInput {
  /** Each row's cache key (the defense's name, or the candidate's name and recognizer digest). */
  keys: string[];
  /** Attack units by name, chunked as the run chunks them, and the convergence checks' units (one each). */
  attacks: string[];
  checks: string[];
  pairs: number;
  seed: number;
  chunking: { oneUnit: number; size: number };
  files: string[];
  timings: UnitTiming[];
  /** Attacks paced, until they have units of their own, from another attack's units (see DerivedPace). */
  derived?: Record<string, DerivedPace>;
}

/**
 * A pace borrowed from another attack: `factor` times its median unit. `upper` when the attack can only be faster:
 * Square stops at a pair's first confirmed flip, where RayS, at the same cost per query, spends its whole budget.
 */
export interface DerivedPace { from: string; factor: number; upper: boolean }

export interface PlanRow {
  defense: string; attack: string; done: number; total: number; perUnit?: number; measured: number; borrowed: boolean; derived?: DerivedPace; left?: number;
  /** Minutes the units done took: their count at the row's pace (robust to a unit timed across a pause), and as timed. */
  spent: { paced: number; timed: number };
}

/** The file of a row's unit on disk, if any. The threshold sits between pairs and seed in a unit's name; a plan knows it only from the files. */
const unitFile = (p: Pick<PlanInput, 'files' | 'pairs' | 'seed'>, key: string, name: string): string | undefined =>
  p.files.find((f) => f.startsWith(unitFileName(`${key}-${name}-n${p.pairs}-t`)) && f.endsWith(`-seed${p.seed}`));

/**
 * A unit's pace is the median of the timed ones, not their mean: a unit that was running while its
 * process was stopped (SIGSTOP while a training had the cores) or the machine suspended records hours
 * (131.6 min against 4-9 for its neighbours in the full run), and one such unit must not double the estimate.
 */
export function worstCasePlan(p: PlanInput): PlanRow[] {
  const rows: PlanRow[] = [];
  // An attack's units are its chunks; a convergence check is one unit. The same for every row.
  const unitsOf = new Map<string, string[]>([
    ...p.attacks.map((a): [string, string[]] => [a, chunksOf(a, p.pairs, p.chunking).map((c) => c.name)]),
    ...p.checks.map((c): [string, string[]] => [c, [c]]),
  ]);
  for (const key of p.keys) {
    for (const [attack, mine] of unitsOf) {
      const done = mine.filter((name) => unitFile(p, key, name) !== undefined).length;
      const paceOf = (a: string) => {
        const own = p.timings.filter((t) => t.defense === key && t.attack === a).map((t) => t.minutes);
        return { pace: own.length ? own : p.timings.filter((t) => t.attack === a).map((t) => t.minutes), borrowed: !own.length };
      };
      let { pace, borrowed } = paceOf(attack);
      const timed = borrowed ? 0 : pace.reduce((a, m) => a + m, 0);
      let perUnit = pace.length ? median(pace) : undefined;
      const derived = perUnit === undefined ? p.derived?.[attack] : undefined;
      if (derived) ({ pace, borrowed } = paceOf(derived.from));
      if (derived && pace.length) perUnit = median(pace) * derived.factor;
      rows.push({
        defense: key, attack, done, total: mine.length, perUnit, measured: pace.length, borrowed: borrowed && pace.length > 0,
        ...(derived && pace.length ? { derived } : {}), left: perUnit === undefined ? undefined : (mine.length - done) * perUnit,
        spent: { paced: done * (perUnit ?? 0), timed },
      });
    }
  }
  return rows;
}

/**
 * The one-thread hours a run's finished units took: each row's units done at its median unit, and the sum of what
 * timings.jsonl recorded (which counts the hours a unit sat paused or beside other jobs, so it is the larger).
 */
export function unitHours(rows: PlanRow[]): { paced: number; timed: number } {
  const sum = (pick: (r: PlanRow) => number) => rows.reduce((a, r) => a + pick(r), 0) / 60;
  return { paced: sum((r) => r.spent.paced), timed: sum((r) => r.spent.timed) };
}

/** unitHours as a sentence, for the plan and the report. */
export const unitHoursText = (h: { paced: number; timed: number }): string =>
  `about ${h.paced.toFixed(1)} h of one-thread unit time at each attack's median unit (${h.timed.toFixed(1)} h as timed, pauses and other jobs included)`;

export function planMarkdown(rows: PlanRow[]): string {
  const min = (x: number | undefined) => (x === undefined ? '?' : x.toFixed(1));
  const lines = ['| defense | attack | units done | minutes per unit (units timed) | minutes left |', '| --- | --- | --- | --- | --- |'];
  for (const r of rows) {
    const from = r.derived ? `${r.derived.upper ? 'at most ' : 'about '}${Number(r.derived.factor.toFixed(2))} x one ${r.derived.from} unit, ` : '';
    lines.push(`| ${r.defense} | ${r.attack} | ${r.done}/${r.total} | ${r.derived?.upper ? '<= ' : ''}${min(r.perUnit)} (${from}${r.measured}${r.borrowed ? ', other rows' : ''}) | ${r.done === r.total ? '0' : min(r.left)} |`);
  }
  const left = rows.filter((r) => r.done < r.total);
  const unknown = left.filter((r) => r.left === undefined).length;
  const total = left.reduce((a, r) => a + (r.left ?? 0), 0);
  const bounded = left.filter((r) => r.derived?.upper).reduce((a, r) => a + (r.left ?? 0), 0);
  const bound = bounded ? `, of which ${(bounded / 60).toFixed(1)} h is an upper bound from another attack's pace` : '';
  lines.push('', `${rows.reduce((a, r) => a + r.done, 0)} of ${rows.reduce((a, r) => a + r.total, 0)} units done; about ${(total / 60).toFixed(1)} h left at the pace so far${bound}${unknown ? ` (plus ${unknown} attack(s) never timed yet)` : ''}.`,
    `The units done took ${unitHoursText(unitHours(rows))}.`,
    'Summed unit times: a run of --lanes 2 runs two units at once.');
  return lines.join('\n');
}

/** What the finished units of one row and attack say so far: per-pair minimal budgets (/255) of the pairs they cover. */
export interface InterimRow {
  defense: string; attack: string; covered: number; dodging: number; impersonation: number;
  median?: { median: number; low: number; high: number }; dodgingMedian?: number; impersonationMedian?: number;
  /** Share of the covered pairs broken at or below each budget of INTERIM_GRID. */
  curve?: number[];
}

/** The budgets (/255) of the interim success curve: the goals' 8 and its floor 4, and the steps where PIN falls. */
export const INTERIM_GRID = [1, 2, 4, 8];

type UnitsOnDisk = Pick<PlanInput, 'files' | 'pairs' | 'seed' | 'chunking'> & { read: (file: string) => unknown };

/** One row's per-pair values under one attack, from its finished units (undefined where no unit has landed). */
function perPair<T>(p: UnitsOnDisk, key: string, attack: string, pick: (unit: unknown) => T[]): Array<T | undefined> {
  const values = new Array<T | undefined>(p.pairs).fill(undefined);
  for (const c of chunksOf(attack, p.pairs, p.chunking)) {
    const file = unitFile(p, key, c.name);
    if (file === undefined) continue;
    const got = pick(p.read(file));
    c.idx.forEach((i, k) => { values[i] = got[k]; });
  }
  return values;
}

/**
 * One row's per-pair budgets under one minimal-budget attack. `read` returns a unit file's JSON: an array of
 * budgets, or an object with them under `eps` (RayS).
 */
export const attackBudgets = (p: UnitsOnDisk, key: string, attack: string): Array<number | undefined> =>
  perPair(p, key, attack, (v) => (Array.isArray(v) ? v : (v as { eps: number[] }).eps) as number[]);

/** Pairs Square flipped of those it attacked in one half (dodging or impersonation). */
export interface Flipped { fooled: number; of: number }

/** Square's verdicts of the pairs in one half (`inHalf` by pair index) that have one. */
export function flippedIn(fooled: Array<boolean | undefined>, inHalf: (pair: number) => boolean): Flipped {
  const half = fooled.filter((f, i) => f !== undefined && inHalf(i));
  return { fooled: half.filter(Boolean).length, of: half.length };
}

/** What Square's finished units say so far: pairs flipped at its one eps, dodging and impersonation apart. */
export interface InterimSquare {
  defense: string; covered: number; fooled: ReturnType<typeof wilson>;
  dodging: Flipped; impersonation: Flipped;
  /**
   * Whether Square can still lower the worst case: it flips a pair at `eps` or not, so once every pair's worst over
   * the minimal attacks is at or below `eps`, the worst case is final and Square adds only its black-box rate.
   */
  worstFinal: boolean;
  /**
   * The row's rate over all its pairs, bounded before every unit has landed: at least the flipped pairs, at most
   * those plus every pair not yet attacked. It decides the black-box goal early when a bound crosses it.
   */
  ofAll: { low: number; high: number };
  goal: 'met' | 'missed' | 'open';
}

/** The issue's black-box goal: Square flips at most this share of the pairs at its eps. */
export const BLACK_BOX_GOAL = 0.1;

export function interimSquare(p: UnitsOnDisk & { keys: string[]; attacks: string[] }, eps: number, unit = 'square'): InterimSquare[] {
  const genuine = p.pairs >> 1;
  return p.keys.map((key) => {
    const fooled = perPair(p, key, unit, (v) => (v as { fooled: boolean[] }).fooled);
    const dodging = flippedIn(fooled, (i) => i < genuine), impersonation = flippedIn(fooled, (i) => i >= genuine);
    const byAttack = p.attacks.map((a) => attackBudgets(p, key, a));
    const worstFinal = Array.from({ length: p.pairs }, (_, i) => byAttack.some((b) => (b[i] ?? Infinity) <= eps)).every(Boolean);
    const flipped = dodging.fooled + impersonation.fooled, covered = dodging.of + impersonation.of;
    const ofAll = { low: flipped / p.pairs, high: (flipped + p.pairs - covered) / p.pairs };
    const goal = ofAll.low > BLACK_BOX_GOAL ? 'missed' : ofAll.high <= BLACK_BOX_GOAL ? 'met' : 'open';
    return { defense: key, covered, fooled: wilson(flipped, covered), dodging, impersonation, worstFinal, ofAll, goal };
  });
}

export function interimSquareMarkdown(rows: InterimSquare[], pairs: number, eps: number): string {
  const pct = (x: number) => `${Number((100 * x).toFixed(1))} %`;
  const lines = [`| defense | pairs so far (dodging / impersonation) | flipped at ${eps}/255 (95 % CI) | dodging / impersonation flipped | of all ${pairs} pairs: at least / at most | goal of at most ${pct(BLACK_BOX_GOAL)} | worst case final (every pair at or below ${eps}/255) |`, '| --- | --- | --- | --- | --- | --- | --- |'];
  for (const r of rows) {
    const rate = r.covered ? `${pct(r.fooled.rate)} (${pct(r.fooled.low)}-${pct(r.fooled.high)})` : '-';
    lines.push(`| ${r.defense} | ${r.covered}/${pairs} (${r.dodging.of} / ${r.impersonation.of}) | ${rate} | ${r.dodging.fooled} of ${r.dodging.of} / ${r.impersonation.fooled} of ${r.impersonation.of} | ${pct(r.ofAll.low)} / ${pct(r.ofAll.high)} | ${r.goal} | ${r.worstFinal ? 'yes' : 'no'} |`);
  }
  return lines.join('\n');
}

/**
 * Interim budgets from the finished units of each minimal-budget attack (not Square, which only flips or not at one
 * eps, nor the checks), and their per-pair minimum over the pairs every one of them covers ("worst so far", an upper
 * bound on the final worst case, which Square can only lower). A run lists its genuine (dodging) pairs first, then its
 * impostor pairs (eval/data.ts attackedPairs), so a pair index says which half it belongs to without loading the data.
 */
export function interimBudgets(p: Omit<PlanInput, 'checks' | 'timings'> & { read: (file: string) => unknown }): InterimRow[] {
  const rows: InterimRow[] = [];
  const genuine = p.pairs >> 1;
  for (const key of p.keys) {
    const byAttack = p.attacks.map((attack) => ({ attack, eps: attackBudgets(p, key, attack) }));
    const worst = Array.from({ length: p.pairs }, (_, i) => {
      const all = byAttack.map((a) => a.eps[i]);
      return all.every((e) => e !== undefined) ? Math.min(...(all as number[])) : undefined;
    });
    for (const { attack, eps } of [...byAttack, { attack: 'worst so far', eps: worst }]) {
      const known = eps.flatMap((e, i) => (e === undefined ? [] : [{ e, i }]));
      const of = (dodging: boolean) => known.filter((k) => (k.i < genuine) === dodging).map((k) => k.e);
      const row: InterimRow = { defense: key, attack, covered: known.length, dodging: of(true).length, impersonation: of(false).length };
      if (known.length) {
        row.median = medianInterval(known.map((k) => k.e));
        row.curve = INTERIM_GRID.map((g) => known.filter((k) => k.e <= g).length / known.length);
        if (of(true).length) row.dodgingMedian = medianInterval(of(true)).median;
        if (of(false).length) row.impersonationMedian = medianInterval(of(false)).median;
      }
      rows.push(row);
    }
  }
  return rows;
}

/** A budget in /255 as the reports print it: two decimals at most, '>max' where no budget of the search broke the pair. */
export const budgetText = (x: number): string => (Number.isFinite(x) ? String(Number(x.toFixed(2))) : '>max');

export function interimMarkdown(rows: InterimRow[], pairs: number): string {
  const eps = (x: number | undefined) => (x === undefined ? '-' : budgetText(x));
  const lines = [`| defense | attack | pairs so far (dodging / impersonation) | median (95 % CI) | dodging / impersonation | at or below ${INTERIM_GRID.join(' / ')}/255 |`, '| --- | --- | --- | --- | --- | --- |'];
  for (const r of rows.filter((r) => r.covered > 0)) {
    const m = r.median as { median: number; low: number; high: number };
    lines.push(`| ${r.defense} | ${r.attack} | ${r.covered}/${pairs} (${r.dodging} / ${r.impersonation}) | ${eps(m.median)} (${eps(m.low)}-${eps(m.high)}) | ${eps(r.dodgingMedian)} / ${eps(r.impersonationMedian)} | ${(r.curve as number[]).map((c) => Number((100 * c).toFixed(1))).join(' / ')} % |`);
  }
  return lines.join('\n');
}

/** Whether a row projects (PIN's modes, topk, a candidate recognizer behind PIN): a defense under study, not a reference. */
const projects = (defense: string) => defense.startsWith('pin-') || defense === 'topk';

/**
 * The order in which a lane runs its rows' Squares, the slowest units of the run (hours a row): the defenses under
 * study first, the references (none, input transforms) after, so the black-box figure the goals are about lands
 * before the baselines'. Stable within each group.
 */
export const squareOrder = <T extends { name: string }>(rows: T[]): T[] => [...rows.filter((r) => projects(r.name)), ...rows.filter((r) => !projects(r.name))];

/**
 * The rows of a run split over `lanes` processes side by side, as each lane's arguments. Rows that project (PIN,
 * topk, a candidate recognizer behind PIN) come first so the lanes share them: their queries leave a core idle
 * for the projection, which a second lane fills.
 */
export function laneArgs(defenses: string[], candidate: string[] | undefined, lanes: number): string[][] {
  const rows: Array<{ defense?: string }> = [...defenses.filter(projects).map((d) => ({ defense: d })), ...(candidate ? [{}] : []), ...defenses.filter((d) => !projects(d)).map((d) => ({ defense: d }))];
  return Array.from({ length: lanes }, (_, lane) => rows.filter((_, k) => k % lanes === lane))
    .filter((mine) => mine.length > 0)
    .map((mine) => [`--defenses=${mine.flatMap((r) => (r.defense ? [r.defense] : [])).join(',')}`, ...(mine.some((r) => !r.defense) ? (candidate as string[]) : [])]);
}
