/**
 * @module The README's table over K x fitting data x recognizer (`npx tsx eval/space-table.ts`):
 * each row is a candidate build measured twice — `npm run calibrate` (thresholds from the
 * calibration people; TAR, realized FAR and identity kept on the report people) and `npm run eval
 * -- --preset space` (gray-box and adaptive attacks on 80 / 20 pairs of dev folds 5-8) — with its
 * outputs under report/space/<row>/. Rows without a finished run print "-".
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../scripts/lib/node-models.ts';

export interface SpaceRow {
  name: string;
  k: number;
  data: string;
  recognizer: 'original' | 'projection-aware';
  /** Isolate after a full collection in workerd, MB (npm run bench:space), and the Worker upload, MiB. */
  isolateMb?: number;
  uploadMiB?: number;
  /** How the row's space and recognizer were made, and the two measuring commands. */
  commands: string;
  /** The attack figures of a build measured before this table existed: its default-preset eval (same pairs, seed and PGD grid). */
  resultsFrom?: string;
}

export const ROWS: SpaceRow[] = [
  { name: 'lfw-k1000-original', k: 1000, data: 'LFW dev', recognizer: 'original', isolateMb: 69.8, uploadMiB: 35.2, commands: 'the previous shipped space (git show 389f8a8:models/immune-space.bin)', resultsFrom: 'report/eval/results.json' },
  { name: 'lfw-utk-k1000-original', k: 1000, data: 'LFW dev + UTKFace', recognizer: 'original', isolateMb: 69.8, commands: 'npm run fit -- --k 1000 --out <file>' },
  { name: 'lfw-utk-k1500-original', k: 1500, data: 'LFW dev + UTKFace', recognizer: 'original', commands: 'npm run fit -- --k 1500 --out <file>' },
  { name: 'lfw-utk-k2000-original', k: 2000, data: 'LFW dev + UTKFace', recognizer: 'original', commands: 'npm run fit -- --k 2000 --out <file>' },
  { name: 'lfw-utk-k2500-original', k: 2500, data: 'LFW dev + UTKFace', recognizer: 'original', commands: 'npm run fit' },
  { name: 'lfw-utk-k2500-pin', k: 2500, data: 'LFW dev + UTKFace', recognizer: 'projection-aware', isolateMb: 90.8, uploadMiB: 59.3, commands: 'npm run fit && npm run train:recognizer (shipped)' },
];

// biome-ignore lint/suspicious/noExplicitAny: the two reports are read as the JSON their writers emit
type Json = Record<string, any>;
const read = (row: string, file: string, from?: string): Json | undefined => {
  const p = join(repoRoot, ...(from ? [from] : ['report', 'space', row, file]));
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as Json) : undefined;
};
const pct = (x: number | undefined) => (x === undefined ? '-' : (100 * x).toFixed(2));
const f3 = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(3));
const eps = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '-' : x === Number.POSITIVE_INFINITY || x === null ? '>32' : String(x));

export function spaceTable(): string {
  const lines = [
    '| K | fitting data | recognizer | identity kept, UTKFace mean / p05 | TAR % at FAR 1e-3 (folds 5-8) | realized FAR, LFW / UTKFace | gray-box PGD-8 acc % | gray-box min eps, dodge / imp. | adaptive min eps, dodge / imp. | isolate MB | Worker upload MiB | none: TAR % |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of ROWS) {
    const cal = read(r.name, 'calibration.json'), ev = read(r.name, 'results.json', r.resultsFrom);
    const pin = cal?.modes?.['pin-threshold'], none = cal?.modes?.none;
    const at = (m: Json | undefined) => m?.levels?.find((l: Json) => l.far === 1e-3);
    const p = at(pin), n = at(none);
    const gray8 = (ev?.gray as Json[] | undefined)?.find((g) => g.attack === 'PGD' && g.eps === 8)?.fooled?.['pin-threshold'] as boolean[] | undefined;
    const s = ev?.summary?.['pin-threshold'];
    lines.push(`| ${r.k} | ${r.data} | ${r.recognizer} | ${f3(pin?.identityKept?.utk?.mean)} / ${f3(pin?.identityKept?.utk?.p05)} | ${pct(p?.report?.officialPairs?.tar)} | ${p ? `${p.report.lfw.far.toExponential(2)} / ${p.report.utk.far.toExponential(2)}` : '-'} | ${gray8 ? ((100 * gray8.filter((f) => !f).length) / gray8.length).toFixed(1) : '-'} | ${eps(s?.minimalDodging)} / ${eps(s?.minimalImpersonation)} | ${eps(s?.adaptiveMinimalDodging)} / ${eps(s?.adaptiveMinimalImpersonation)} | ${r.isolateMb ?? '-'} | ${r.uploadMiB ?? '-'} | ${pct(n?.report?.officialPairs?.tar)} |`);
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(spaceTable());
