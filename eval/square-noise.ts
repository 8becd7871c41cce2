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
import { squareAttack } from './attacks/square.ts';
import { queryOracle, RANDOM_STOP_MARGIN } from './attacks/worst-case.ts';
import { shippedPin } from './shipped-pin.ts';

const { values } = parseArgs({ options: { pairs: { type: 'string', default: '2,3,5' }, queries: { type: 'string', default: '10000' } } });
const PAIRS = (values.pairs as string).split(',').map(Number), QUERIES = Number(values.queries), EPS = 8, DRAWS = 5;
const RULES = ['one', 'eot5', 'verify5'] as const;

const { target, task: full } = await shippedPin();
const task = { faces: PAIRS.map((i) => full.faces[i] as Float32Array), refs: PAIRS.map((i) => full.refs[i] as Float32Array), sign: PAIRS.map((i) => full.sign[i] as number) };
// One oracle for every rule and pair: their concurrent queries go to onnxruntime as one batch.
const oracle = queryOracle(target, task, uniform(77));
const meanMargin = async (i: number, x: Float32Array, k: number) => (await Promise.all(Array.from({ length: k }, () => oracle(i, x)))).reduce((a, b) => a + b, 0) / k;

async function attack(rule: (typeof RULES)[number], i: number, rng: () => number) {
  const f = task.faces[i] as Float32Array, side = Math.round(Math.sqrt(f.length)), k = rule === 'eot5' ? DRAWS : 1;
  // The loss Square lowers is minus the margin (positive margin: decided wrongly).
  const r = await squareAttack({ width: side, height: side, channels: 1, data: f }, async (img) => -(await meanMargin(i, img.data, k)), {
    eps: EPS, queries: QUERIES, rng, stopBelow: -RANDOM_STOP_MARGIN, lossQueries: k, ...(rule === 'verify5' ? { verify: DRAWS - 1 } : {}),
  });
  const accepted = r.history.filter((h, j) => j > 0 && h < (r.history[j - 1] as number)).length;
  const judged = await Promise.all(Array.from({ length: 25 }, () => oracle(i, r.image.data)));
  return { rule, pair: PAIRS[i], queries: r.queries, accepted, recordedMargin: -r.loss, trueMargin: judged.reduce((a, b) => a + b, 0) / 25, wrongOf25: judged.filter((m) => m > 0).length };
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
