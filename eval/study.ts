/**
 * @module eval/study: `npx tsx eval/study.ts [report/eval-selector/results.json]` — the selector
 * study's compact table (README) from an attack-lab run: per defense, clean accuracy and the
 * accuracy of the attacked pairs under each attack family. Every number is read from the run's
 * results.json; nothing is typed in by hand.
 */
import { readFileSync } from 'node:fs';
import type { EvalResults } from './report.ts';

const r = JSON.parse(readFileSync(process.argv[2] ?? 'report/eval-selector/results.json', 'utf8')) as EvalResults;
const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(1) : '-');
const held = (fooled: boolean[] | undefined) => (fooled ? fooled.filter((f) => !f).length / fooled.length : NaN);
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const gray = (name: string, attack: string, eps: number) => held(r.gray.find((g) => g.attack === attack && g.eps === eps)?.fooled[name]);
const LINF = ['FGSM', 'BIM', 'PGD', 'MI-FGSM', 'DI-TI-MI-FGSM'];

const head = ['defense', 'clean acc %', 'TAR@FAR1e-3 %', 'l_inf gray-box, mean of 5 attacks, eps 4 / 8 / 16', 'PGD 2 / 4 / 8', 'PGD-l2 512', 'CW-l2',
  `adaptive PGD ${r.adaptiveEpsGrid.join(' / ')}`, 'transfer eps 8 / 16 (mean of 3)', 'black-box Square eps 8'];
const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
for (const { name } of r.defenses) {
  const c = r.clean[name];
  if (!c) continue;
  const linf = (eps: number) => pct(mean(LINF.map((a) => gray(name, a, eps))));
  const adaptive = (eps: number) => pct(held(r.adaptive.find((a) => a.defense === name && a.eps === eps)?.fooled));
  const transfer = (eps: number) => pct(mean((r.transfer?.runs ?? []).filter((t) => t.eps === eps).map((t) => held(t.fooled[name]))));
  const bb = r.blackBox.find((b) => b.defense === name);
  lines.push(`| ${name} | ${pct(c.accuracy)} ± ${pct(c.accuracyStd)} | ${pct(c.tarAtFar1e3)} | ${linf(4)} / ${linf(8)} / ${linf(16)} | ${pct(gray(name, 'PGD', 2))} / ${pct(gray(name, 'PGD', 4))} / ${pct(gray(name, 'PGD', 8))} | `
    + `${pct(gray(name, 'PGD-l2', 512))} | ${pct(gray(name, 'CW-l2', 0))} | ${r.adaptiveEpsGrid.map(adaptive).join(' / ')} | ${transfer(8)} / ${transfer(16)} | ${bb ? pct(bb.runs.filter((x) => !x.fooled).length / bb.runs.length) : '-'} |`);
}
console.log(lines.join('\n'));
console.log(`\n${r.attackedPairs} attacked pairs (half genuine: dodging, half impostor: impersonation), ${r.adaptivePairs} for adaptive attacks (EOT ${r.adaptiveSamples}); `
  + `${r.blackBox[0]?.runs.length ?? 0} pairs for black-box. Cells: % of attacked pairs still decided right; "-": not run in this preset. Attack units are cached under the report's cache/ folder, so a resumed run only does what is missing.`);
