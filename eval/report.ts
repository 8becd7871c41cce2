/**
 * @module Eval report: results.json (everything measured) and results.md (one row per defense:
 * clean accuracy, TAR@FAR 1e-3, accuracy under each gray-box attack and eps, median minimal
 * eps for dodging and impersonation, gray-box and adaptive) and results.html (eval/html.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { html, tradeOffChart, type HtmlExtras } from './html.ts';
import { median } from './attacks/minimal.ts';

export interface CleanResult {
  threshold: number; accuracy: number; accuracyStd: number; accuracyAtThreshold: number; tarAtFar1e3: number;
  /** Service defense modes: TAR and realized FAR on the evaluation pairs at the service's calibrated FAR-1e-3 threshold. */
  service?: { threshold: number; tar: number; far: number; impostors: number };
}

export interface EvalResults {
  preset: string;
  seed: number;
  data: string;
  minutes: number;
  calibrationPairs: number;
  evaluationPairs: number;
  attackedPairs: number;
  adaptivePairs: number;
  adaptiveSamples: number;
  defenses: Array<{ name: string; label: string }>;
  /** Gray-box table columns: attack and budget (l_inf /255, l2 pixel units, CW 0). */
  columns: Array<{ attack: string; eps: number }>;
  epsGrid: number[];
  adaptiveEpsGrid: number[];
  clean: Record<string, CleanResult>;
  /** Per gray-box run: which attacked pairs each defense got wrong. */
  gray: Array<{ attack: string; eps: number; fooled: Record<string, boolean[]> }>;
  adaptive: Array<{ defense: string; eps: number; fooled: boolean[] }>;
  /** Query-only attacks over HTTP, per service defense mode. */
  blackBox: Array<{ defense: string; eps: number; maxQueries: number; runs: Array<{ fooled: boolean; queries: number; startMargin: number; endMargin: number }> }>;
  /** Threat model (d): adversarial faces made on a surrogate recognizer, judged through each defense. */
  transfer?: {
    surrogate: { name: string; accuracy: number; threshold: number };
    runs: Array<{ attack: string; eps: number; fooledSurrogate: boolean[]; fooled: Record<string, boolean[]> }>;
  };
  summary: Record<string, { minimalDodging: number; minimalImpersonation: number; adaptiveMinimalDodging: number; adaptiveMinimalImpersonation: number }>;
}

const pct = (x: number) => (100 * x).toFixed(1);
/** Accuracy, and how much of the decision margin (similarity vs threshold) the queries used up. */
function blackBoxCell(runs: EvalResults['blackBox'][number]['runs'] | undefined): string {
  if (!runs) return '-';
  const closed = runs.map((x) => (x.startMargin > 0 ? Math.min(1, (x.startMargin - x.endMargin) / x.startMargin) : 1));
  return `${pct(runs.filter((x) => !x.fooled).length / runs.length)} (margin closed ${pct(median(closed))} %)`;
}
const epsText = (x: number) => (Number.isNaN(x) ? '-' : Number.isFinite(x) ? String(x) : `> max`);

export function markdown(r: EvalResults): string {
  const grayCols = r.columns.map((c) => ({ a: c.attack, eps: c.eps }));
  const bb = r.blackBox[0];
  const bbHead = bb ? [`Square ${bb.eps} (HTTP, ${bb.maxQueries} queries)`] : [];
  const transfer = r.transfer?.runs ?? [];
  const head = ['defense', 'TAR % at the service threshold (FAR on eval impostors)', 'clean acc %', 'TAR@FAR1e-3 %', ...grayCols.map((c) => (c.a === 'CW-l2' ? c.a : `${c.a} ${c.eps}`)), 'min eps dodge', 'min eps imp.',
    ...r.adaptiveEpsGrid.map((e) => `adaptive PGD ${e}`), 'adaptive min eps dodge', 'adaptive min eps imp.', ...transfer.map((t) => `transfer ${t.attack} ${t.eps}`), ...bbHead];
  const rows = r.defenses.map(({ name }) => {
    const c = r.clean[name] as CleanResult;
    const s = r.summary[name];
    const accUnder = (fooled: boolean[] | undefined) => (fooled ? pct(fooled.filter((f) => !f).length / fooled.length) : '-');
    return [
      name, c.service ? `${pct(c.service.tar)} (${(c.service.far * c.service.impostors).toFixed(0)} / ${c.service.impostors})` : '-', `${pct(c.accuracy)} ± ${pct(c.accuracyStd)}`, pct(c.tarAtFar1e3),
      ...grayCols.map(({ a, eps }) => accUnder(r.gray.find((g) => g.attack === a && g.eps === eps)?.fooled[name])),
      epsText(s?.minimalDodging ?? NaN), epsText(s?.minimalImpersonation ?? NaN),
      ...r.adaptiveEpsGrid.map((eps) => accUnder(r.adaptive.find((a) => a.defense === name && a.eps === eps)?.fooled)),
      epsText(s?.adaptiveMinimalDodging ?? NaN), epsText(s?.adaptiveMinimalImpersonation ?? NaN),
      ...transfer.map((t) => accUnder(t.fooled[name])),
      ...(bb ? [blackBoxCell(r.blackBox.find((b) => b.defense === name)?.runs)] : []),
    ];
  });
  return [
    `# pinface attack lab — preset ${r.preset}, seed ${r.seed}`,
    '',
    `Data: ${r.data}; thresholds at FAR 1e-3 on ${r.calibrationPairs} calibration pairs; clean accuracy (LFW protocol) and TAR on ${r.evaluationPairs} evaluation pairs.`,
    `Attacks (l_inf, eps in /255 pixel units, feature-space loss: dodging on genuine pairs, impersonation on impostor pairs) on ${r.attackedPairs} evaluation pairs (half each);`,
    `gray-box = made on the bare recognizer the defense feeds, judged through the defense; adaptive = PGD through the defense (exact Jacobian for PIN/topk, BPDA for transforms, EOT over ${r.adaptiveSamples} draws for random defenses) on ${r.adaptivePairs} of them.`,
    ...(r.blackBox[0] ? [`Black-box: Square (l_inf ${r.blackBox[0].eps}/255, at most ${r.blackBox[0].maxQueries} queries, stops when the decision flips) on the face box (read from one clean answer) of the uploaded photos of ${r.blackBox[0].runs.length} pairs, through the real HTTP API with the service's own defense modes and thresholds (calibrated on all 8 folds; the transform baselines are not service modes). Cell: accuracy, and the median share of the decision margin the queries closed.`] : []),
    ...(r.transfer?.runs.length ? [`Transfer (the attacker has no access to our recognizer): l_inf attacks made on a surrogate, ${r.transfer.surrogate.name} (clean accuracy ${pct(r.transfer.surrogate.accuracy)} % on the evaluation pairs at its best calibration threshold), on the same pairs, judged through each defense. On the surrogate itself they flip ${r.transfer.runs.map((t) => `${pct(t.fooledSurrogate.filter(Boolean).length / t.fooledSurrogate.length)} % (${t.attack} ${t.eps})`).join(', ')} of the pairs.`] : []),
    'Cells under attacks: accuracy % of the attacked pairs at the defense\'s threshold. Minimal eps: median over pairs of the smallest eps of the grid that fools the pair.',
    `This run took ${r.minutes.toFixed(1)} min (units found in the cache are not re-run).`,
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
    '',
    ...r.defenses.map((d) => `- \`${d.name}\`: ${d.label}`),
    '',
  ].join('\n');
}

export function writeReport(dir: string, r: EvalResults, extras: HtmlExtras): void {
  mkdirSync(dir, { recursive: true });
  const md = markdown(r);
  writeFileSync(join(dir, 'results.json'), `${JSON.stringify({ ...r, roc: extras.roc, minimal: extras.minimal }, (_, v) => (v === Infinity ? 'Infinity' : v), 2)}\n`);
  writeFileSync(join(dir, 'results.md'), md);
  writeFileSync(join(dir, 'results.html'), html(r, extras, md));
  // The trade-off plot also as a file of its own, so the README can show it.
  const tradeOff = tradeOffChart(r, extras);
  if (tradeOff) writeFileSync(join(dir, 'lambda-tradeoff.svg'), `${tradeOff.replace(/^<figure>|<\/figure>$/g, '')}\n`);
}
