/** @module The calibration's report: its figures per mode and level, and the markdown tables the README quotes. */
import type { Interval } from './bootstrap.ts';

export interface LevelReport {
  far: number;
  threshold: number;
  calibration: {
    far: number; accepted: number; impostorPairs: number; wilson: { lo: number; hi: number }; interval: Interval;
    /** The threshold each population alone would get, and all of them pooled; the calibrated one is the strictest source's. */
    thresholds: { lfw: number | undefined; utk: number | undefined; pooled: number };
    tar: number; genuinePairs: number;
    /** For a report-sized set of each source's people: the FAR interval a new set like it would see. */
    prediction: Record<'lfw' | 'utk', { calibrationFar: number; interval: Interval | undefined; reportPeople: number } | undefined>;
  };
  report: {
    lfw: { far: number; accepted: number; impostorPairs: number; tarAllPairs: number; genuinePairs: number };
    utk: { far: number; accepted: number; impostorPairs: number };
    officialPairs: { tar: number; far: number; genuine: number; impostors: number };
  };
}

export interface ModeReport {
  meanComponentsKept: number;
  levels: LevelReport[];
  lfwProtocol: { accuracy: number; std: number; folds: readonly number[]; pairs: number };
  identityKept: { utk: Stats; lfw: Stats } | null;
}
interface Stats { mean: number; p05: number; images: number }

export interface CalibrationResults {
  generated: string; command: string; minutes: number; seed: number; replicates: number;
  data: { images: number; withFace: number; noFace: Record<'lfw' | 'utk', number>; calibration: { images: number; people: number; lfwPeople: number; utkImages: number }; report: { lfwImages: number; lfwPeople: number; utkImages: number; folds: readonly number[] } };
  modes: Record<string, ModeReport>;
}

const pct = (x: number, d = 2): string => (100 * x).toFixed(d);
const e = (x: number): string => (x === 0 ? '0' : x.toExponential(2));
const inside = (x: number, i: Interval | undefined): string => (i === undefined ? '' : x >= i.lo && x <= i.hi ? 'yes' : '**no**');

export function calibrationMarkdown(r: CalibrationResults): string {
  const d = r.data;
  const out: string[] = [
    `Calibration (${r.command}, seed ${r.seed}, ${r.minutes} min): ${d.calibration.images} images of ${d.calibration.people} people calibrate (${d.calibration.lfwPeople} LFW dev people outside folds ${d.report.folds.join('-')}, ${d.calibration.utkImages} UTKFace images of its fit part); the report set is ${d.report.lfwImages} images of the ${d.report.lfwPeople} people of dev folds ${d.report.folds.join(', ')} and ${d.report.utkImages} held-out UTKFace images. No face found: LFW ${d.noFace.lfw}, UTKFace ${d.noFace.utk} images.`,
    '',
    '**At the service\'s FAR-1e-3 threshold** (report set; TAR on the 1,200 official genuine pairs of the report folds):',
    '',
    '| mode | threshold | TAR % | realized FAR, LFW report (pairs) | in its interval | realized FAR, UTKFace report (pairs) | in its interval | LFW-protocol accuracy % | identity kept, UTKFace mean / p05 | LFW mean / p05 |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [mode, m] of Object.entries(r.modes)) {
    const l = m.levels.find((x) => x.far === 1e-3);
    if (!l) continue;
    const ik = m.identityKept;
    out.push(`| ${mode} | ${l.threshold.toFixed(4)} | ${pct(l.report.officialPairs.tar)} | ${e(l.report.lfw.far)} (${l.report.lfw.impostorPairs.toLocaleString('en')}) | ${inside(l.report.lfw.far, l.calibration.prediction.lfw?.interval)} | ${e(l.report.utk.far)} (${l.report.utk.impostorPairs.toLocaleString('en')}) | ${inside(l.report.utk.far, l.calibration.prediction.utk?.interval)} | ${pct(m.lfwProtocol.accuracy)} ± ${pct(m.lfwProtocol.std)} | ${ik ? `${ik.utk.mean.toFixed(3)} / ${ik.utk.p05.toFixed(3)}` : '1 / 1'} | ${ik ? `${ik.lfw.mean.toFixed(3)} / ${ik.lfw.p05.toFixed(3)}` : '1 / 1'} |`);
  }
  out.push('', '**Every level**: the threshold from the calibration people, its FAR there with the 95 % bootstrap interval over people, and on the report set the realized FAR with the prediction interval for a set of that many people, and TAR.', '');
  out.push('| mode | FAR level | threshold (LFW alone / UTKFace alone / pooled) | calibration FAR [95 % interval] | LFW report FAR [prediction interval] | UTKFace report FAR [prediction interval] | TAR % (official pairs) | TAR % (all genuine pairs of the report people) |', '|---|---|---|---|---|---|---|---|');
  for (const [mode, m] of Object.entries(r.modes)) {
    for (const l of m.levels) {
      const pl = l.calibration.prediction.lfw?.interval, pu = l.calibration.prediction.utk?.interval;
      const th = l.calibration.thresholds;
      out.push(`| ${mode} | ${e(l.far)} | ${l.threshold.toFixed(6)} (${th.lfw?.toFixed(4) ?? '-'} / ${th.utk?.toFixed(4) ?? '-'} / ${th.pooled.toFixed(4)}) | ${e(l.calibration.far)} [${e(l.calibration.interval.lo)}, ${e(l.calibration.interval.hi)}] | ${e(l.report.lfw.far)} (${l.report.lfw.accepted}) [${pl ? `${e(pl.lo)}, ${e(pl.hi)}` : '-'}] ${inside(l.report.lfw.far, pl)} | ${e(l.report.utk.far)} (${l.report.utk.accepted}) [${pu ? `${e(pu.lo)}, ${e(pu.hi)}` : '-'}] ${inside(l.report.utk.far, pu)} | ${pct(l.report.officialPairs.tar)} | ${pct(l.report.lfw.tarAllPairs)} |`);
    }
  }
  const first = Object.values(r.modes)[0]?.levels[0];
  if (first) out.push('', `Impostor pairs: calibration ${first.calibration.impostorPairs.toLocaleString('en')}, report LFW ${first.report.lfw.impostorPairs.toLocaleString('en')}, report UTKFace ${first.report.utk.impostorPairs.toLocaleString('en')}; genuine pairs: calibration ${first.calibration.genuinePairs.toLocaleString('en')}, report ${first.report.lfw.genuinePairs.toLocaleString('en')} (official ${first.report.officialPairs.genuine}).`);
  return `${out.join('\n')}\n`;
}
