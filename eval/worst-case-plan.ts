/**
 * @module What is left of a worst-case run, from its cache alone (no model loads): per defense and
 * attack, the units on disk against the units the preset needs, and the minutes left at the pace
 * the units computed so far took (timings.jsonl). The full preset runs for a day, resumed over
 * sessions; this is how a resumed run says how far it is.
 */
import { chunksOf, unitFileName, type UnitTiming } from './cache.ts';

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
}

export interface PlanRow { defense: string; attack: string; done: number; total: number; perUnit?: number; measured: number; borrowed: boolean; left?: number }

/**
 * The pace of a unit: the median of the timed ones, not their mean: a unit that was running while its
 * process was stopped (SIGSTOP while a training had the cores) or the machine suspended records hours
 * (131.6 min against 4-9 for its neighbours in the full run), and one such unit must not double the estimate.
 */
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

export function worstCasePlan(p: PlanInput): PlanRow[] {
  const rows: PlanRow[] = [];
  // An attack's units are its chunks; a convergence check is one unit. The same for every row.
  const unitsOf = new Map<string, string[]>([
    ...p.attacks.map((a): [string, string[]] => [a, chunksOf(a, p.pairs, p.chunking).map((c) => c.name)]),
    ...p.checks.map((c): [string, string[]] => [c, [c]]),
  ]);
  for (const key of p.keys) {
    for (const [attack, mine] of unitsOf) {
      // The threshold sits between pairs and seed in a unit's name; a plan knows it only from the files.
      const on = (name: string) => p.files.some((f) => f.startsWith(unitFileName(`${key}-${name}-n${p.pairs}-t`)) && f.endsWith(`-seed${p.seed}`));
      const done = mine.filter(on).length;
      const own = p.timings.filter((t) => t.defense === key && t.attack === attack).map((t) => t.minutes);
      const any = p.timings.filter((t) => t.attack === attack).map((t) => t.minutes);
      const pace = own.length ? own : any;
      const perUnit = pace.length ? median(pace) : undefined;
      rows.push({ defense: key, attack, done, total: mine.length, perUnit, measured: pace.length, borrowed: !own.length && any.length > 0, left: perUnit === undefined ? undefined : (mine.length - done) * perUnit });
    }
  }
  return rows;
}

export function planMarkdown(rows: PlanRow[]): string {
  const min = (x: number | undefined) => (x === undefined ? '?' : x.toFixed(1));
  const lines = ['| defense | attack | units done | minutes per unit (units timed) | minutes left |', '| --- | --- | --- | --- | --- |'];
  for (const r of rows) {
    lines.push(`| ${r.defense} | ${r.attack} | ${r.done}/${r.total} | ${min(r.perUnit)} (${r.measured}${r.borrowed ? ', other rows' : ''}) | ${r.done === r.total ? '0' : min(r.left)} |`);
  }
  const left = rows.filter((r) => r.done < r.total);
  const unknown = left.filter((r) => r.left === undefined).length;
  const total = left.reduce((a, r) => a + (r.left ?? 0), 0);
  lines.push('', `${rows.reduce((a, r) => a + r.done, 0)} of ${rows.reduce((a, r) => a + r.total, 0)} units done; about ${(total / 60).toFixed(1)} h left at the pace so far${unknown ? ` (plus ${unknown} attack(s) never timed yet)` : ''}.`);
  return lines.join('\n');
}

/**
 * The rows of a run split over `lanes` processes side by side, as each lane's arguments. Rows that project (PIN,
 * topk, a candidate recognizer behind PIN) come first so the lanes share them: their queries leave a core idle
 * for the projection, which a second lane fills.
 */
export function laneArgs(defenses: string[], candidate: string[] | undefined, lanes: number): string[][] {
  const projects = (d: string) => d.startsWith('pin-') || d === 'topk';
  const rows: Array<{ defense?: string }> = [...defenses.filter(projects).map((d) => ({ defense: d })), ...(candidate ? [{}] : []), ...defenses.filter((d) => !projects(d)).map((d) => ({ defense: d }))];
  return Array.from({ length: lanes }, (_, lane) => rows.filter((_, k) => k % lanes === lane))
    .filter((mine) => mine.length > 0)
    .map((mine) => [`--defenses=${mine.flatMap((r) => (r.defense ? [r.defense] : [])).join(',')}`, ...(mine.some((r) => !r.defense) ? (candidate as string[]) : [])]);
}
