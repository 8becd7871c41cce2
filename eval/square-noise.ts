/**
 * @module eval/square-noise: `npx tsx eval/square-noise.ts [--pairs 2,3,5] [--queries 10000]` — whether Square, which
 * keeps a candidate when its loss beats the best loss so far, is held back by PIN's random masks. Each query is one
 * mask draw, so the best single draw is soon a lucky low of the noise that later real gains cannot beat. On the
 * shipped PIN's dodging pairs that the full run's Square did not flip, three rules of acceptance at 8/255, side by
 * side, every decision one draw (a query), the budget counted in draws:
 * - one: the run's rule (a candidate's one draw against the best one draw so far);
 * - eot5: every candidate and the start measured as the mean of 5 draws;
 * - verify5: a candidate whose first draw beats the best is measured 4 more times and kept only if the mean of its 5
 *   draws still beats the best, which is then that mean.
 * Per pair and rule: the best loss as the attack recorded it, the true mean margin of its image over 25 fresh draws,
 * and how many of those 25 decide the pair wrongly. A rule stops once its recorded mean margin clears
 * RANDOM_STOP_MARGIN (as APGD does through a random defense).
 */
import { parseArgs } from 'node:util';
import { uniform } from '../src/immune/rng.ts';
import { queryOracle, RANDOM_STOP_MARGIN } from './attacks/worst-case.ts';
import { shippedPin } from './shipped-pin.ts';

const { values } = parseArgs({ options: { pairs: { type: 'string', default: '2,3,5' }, queries: { type: 'string', default: '10000' } } });
const PAIRS = (values.pairs as string).split(',').map(Number), QUERIES = Number(values.queries), EPS = 8, DRAWS = 5;
const RULES = ['one', 'eot5', 'verify5'] as const;
/** The paper's schedule of square sizes (fractions of the image), halved at these of 10,000 queries. */
const CUTS = [10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000];

const { target, task: full } = await shippedPin();
const task = { faces: PAIRS.map((i) => full.faces[i] as Float32Array), refs: PAIRS.map((i) => full.refs[i] as Float32Array), sign: PAIRS.map((i) => full.sign[i] as number) };
// One oracle for every rule and pair: their concurrent queries go to onnxruntime as one batch.
const oracle = queryOracle(target, task, uniform(77));
const meanMargin = async (i: number, x: Float32Array, k: number) => (await Promise.all(Array.from({ length: k }, () => oracle(i, x)))).reduce((a, b) => a + b, 0) / k;
const clip = (v: number) => Math.max(0, Math.min(255, v));

async function attack(rule: (typeof RULES)[number], i: number, rng: () => number) {
  const f = task.faces[i] as Float32Array, n = f.length, side = Math.round(Math.sqrt(n));
  const x = f.slice();
  for (let c = 0; c < side; c++) { const s = rng() < 0.5 ? -EPS : EPS; for (let y = 0; y < side; y++) x[y * side + c] = clip((f[y * side + c] as number) + s); }
  let q = 0, accepted = 0;
  // The loss Square lowers is minus the margin (positive margin: decided wrongly).
  const loss = async (z: Float32Array, k: number) => { q += k; return -(await meanMargin(i, z, k)); };
  let best = await loss(x, rule === 'one' ? 1 : DRAWS);
  while (q < QUERIES && best > -RANDOM_STOP_MARGIN) {
    const it = Math.floor((q / QUERIES) * 10000);
    const s = Math.max(1, Math.min(side, Math.round(Math.sqrt((0.05 / 2 ** CUTS.filter((c) => it > c).length) * n))));
    const x0 = Math.floor(rng() * (side - s + 1)), y0 = Math.floor(rng() * (side - s + 1));
    const cand = x.slice(), sign = rng() < 0.5 ? -EPS : EPS;
    for (let y = y0; y < y0 + s; y++) for (let xx = x0; xx < x0 + s; xx++) cand[y * side + xx] = clip((f[y * side + xx] as number) + sign);
    let l = await loss(cand, rule === 'eot5' ? DRAWS : 1);
    if (rule === 'verify5' && l < best) l = (l + (DRAWS - 1) * (await loss(cand, DRAWS - 1))) / DRAWS;
    if (l < best) { best = l; x.set(cand); accepted++; }
  }
  const judged = await Promise.all(Array.from({ length: 25 }, () => oracle(i, x)));
  return { rule, pair: PAIRS[i], queries: q, accepted, recordedMargin: -best, trueMargin: judged.reduce((a, b) => a + b, 0) / 25, wrongOf25: judged.filter((m) => m > 0).length };
}

const t0 = performance.now();
const clean = await Promise.all(task.faces.map((f, i) => meanMargin(i, f, 25)));
const rows = await Promise.all(RULES.flatMap((rule, r) => task.faces.map((_, i) => attack(rule, i, uniform(1000 * r + i + 1)))));
console.log(`Square at ${EPS}/255 through the shipped PIN, ${QUERIES} draws per pair and rule (${((performance.now() - t0) / 60000).toFixed(1)} min)\n`);
console.log('| pair | clean margin (25 draws) | rule | draws spent | kept | recorded margin | true margin (25 draws) | wrong of 25 |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  const k = PAIRS.indexOf(r.pair as number);
  console.log(`| ${r.pair} | ${(clean[k] as number).toFixed(4)} | ${r.rule} | ${r.queries} | ${r.accepted} | ${r.recordedMargin.toFixed(4)} | ${r.trueMargin.toFixed(4)} | ${r.wrongOf25} |`);
}
