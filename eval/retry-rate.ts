/**
 * @module eval/retry-rate: `npx tsx eval/retry-rate.ts` — what a caller who may retry wins below the budgets the full
 * worst-case run credits. The run judges a point through PIN by the majority of 5 fresh mask draws; the service draws
 * one per request. For the first 10 dodging and 10 impersonation pairs whose APGD budget through the shipped PIN is at
 * least 2/255 (read from the run's cache), APGD with the full preset's settings at one step below that budget, then
 * the share of 64 fresh draws its point fools and what 5 tries (the per-subject cap's burst) would win.
 */
import { uniform } from '../src/immune/rng.ts';
import { apgd } from './attacks/apgd.ts';
import { RANDOM_STOP_MARGIN, subTask, wrongDraws } from './attacks/worst-case.ts';
import { readUnit, unitFiles } from './cache.ts';
import { RUN_PAIRS, shippedPin } from './shipped-pin.ts';
import { APGD_UNIT, attackBudgets, CHUNKING } from './worst-case-plan.ts';

const dir = process.argv[2] ?? 'report/worst-case/cache/280ae79605be';
const budgets = attackBudgets({ files: unitFiles(dir), pairs: RUN_PAIRS, seed: 1, chunking: CHUNKING, read: (f) => readUnit(dir, f) }, 'pin-threshold', APGD_UNIT);
const budget = new Map(budgets.flatMap((b, i) => (b === undefined ? [] : [[i, b] as const])));
const pick = (lo: number) => [...budget].filter(([i, b]) => i >= lo && i < lo + RUN_PAIRS / 2 && b >= 2).slice(0, 10).map(([i]) => i);
const idx = [...pick(0), ...pick(RUN_PAIRS / 2)];

const { defense: d, target, task, threshold } = await shippedPin();
const t0 = performance.now();
const rows: string[] = [];
for (const group of [idx.filter((i) => budget.get(i) === 2), idx.filter((i) => (budget.get(i) as number) >= 3)]) {
  for (const e of [...new Set(group.map((i) => (budget.get(i) as number) - 1))]) {
    const ids = group.filter((i) => (budget.get(i) as number) - 1 === e);
    const sub = subTask(task, ids);
    const r = await apgd(d.recognizer, sub, { eps: e, threshold, iterations: 25, restarts: 1, defense: d.defense, samples: 16, rng: uniform(11), stopAbove: RANDOM_STOP_MARGIN });
    const draws = 64;
    const wins = await wrongDraws(target, sub, r.faces, uniform(777), draws);
    ids.forEach((pair, i) => {
      const p = (wins[i] as number) / draws;
      rows.push(`| ${pair} | ${pair < RUN_PAIRS / 2 ? 'dodging' : 'impersonation'} | ${budget.get(pair)} | ${e} | ${(r.margin[i] as number).toFixed(3)} | ${(100 * p).toFixed(1)} | ${(100 * (1 - (1 - p) ** 5)).toFixed(1)} |`);
    });
    console.error(`eps ${e}: ${ids.length} pairs, ${((performance.now() - t0) / 60000).toFixed(1)} min`);
  }
}
console.log('| pair | kind | majority budget /255 | attacked at /255 | EOT margin | per-draw fooled % (64 draws) | 5 tries % |');
console.log('|---|---|---|---|---|---|---|');
console.log(rows.sort((a, b) => Number(a.split('|')[1]) - Number(b.split('|')[1])).join('\n'));
