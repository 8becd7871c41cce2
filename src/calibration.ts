/**
 * @module Calibration: the decision thresholds npm run calibrate wrote into models/manifest.json,
 * and the defense settings they hold for. A threshold is only meaningful for the settings it
 * was measured with, so a deployment that changes lambda, noise or topk either brings its own
 * threshold or is refused at start-up; and a template's version names those settings.
 */
import manifest from '../models/manifest.json' with { type: 'json' };
import type { PinfaceConfig } from './config.ts';
import { PinfaceError } from './errors.ts';
import type { DefenseConfig } from './immune/project.ts';
import type { DefenseMode } from './immune/selectors.ts';

/** A threshold npm run calibrate measured for one false-accept level (the rest of its entry is provenance). */
export interface CalibratedLevel { far: number; threshold: number }
/** The part of models/manifest.json's "calibration" this module reads (scripts/calibrate.ts writes it). */
interface CalibrationManifest {
  levels: number[];
  defaultFar: number;
  defense: Partial<DefenseConfig>;
  modes: Partial<Record<DefenseMode, { threshold: number; thresholds: CalibratedLevel[] }>>;
}
// The JSON import's inferred type is the file's current content; this is the contract calibrate.ts keeps.
const calibration = manifest.calibration as unknown as CalibrationManifest;
const modes = calibration.modes;
const calibrated = calibration.defense;
const K = manifest.space.k;

/** The false-accept levels every mode has a threshold for, strictest last. */
export const FAR_LEVELS: readonly number[] = calibration.levels;
/** The level a decision is made at unless the request or the deployment names another. */
export const DEFAULT_FAR = calibration.defaultFar;

/** The decision threshold calibrated for a defense mode at a false-accept level (npm run calibrate). */
export function calibratedThreshold(mode: DefenseMode, far: number = DEFAULT_FAR): number {
  const entry = modes[mode];
  if (!entry) throw new PinfaceError('invalid_parameters', `[pinface] [defense] "${mode}" has no calibrated threshold in this build (run npm run calibrate). Use one of: ${Object.keys(modes).join(', ')}.`, { field: 'defense' });
  const level = entry.thresholds.find((l) => l.far === far);
  if (!level) throw new PinfaceError('invalid_parameters', `[pinface] [decide] No threshold is calibrated for far = ${far}. Use one of: ${FAR_LEVELS.join(', ')}.`, { field: 'far' });
  return level.threshold;
}

export interface ThresholdChoice {
  threshold: number;
  /** The calibrated level the threshold stands for; null when it was set explicitly. */
  far: number | null;
  thresholdSource: 'calibrated' | 'request' | 'deployment';
}

/** The threshold a decision uses: the request's explicit one, else the deployment's, else the calibrated one for the mode and level. */
export function decisionThreshold(mode: DefenseMode, req: { far?: number | undefined; threshold?: number | undefined }, config: Pick<PinfaceConfig, 'threshold' | 'far'>): ThresholdChoice {
  if (req.threshold !== undefined) return { threshold: req.threshold, far: null, thresholdSource: 'request' };
  if (config.threshold !== undefined && req.far === undefined) return { threshold: config.threshold, far: null, thresholdSource: 'deployment' };
  const far = req.far ?? config.far ?? DEFAULT_FAR;
  return { threshold: calibratedThreshold(mode, far), far, thresholdSource: 'calibrated' };
}

/** The settings a mode's embeddings depend on, beyond the model files; none for `none` and `pin-learned` (the selector file fixes its own). */
export function defenseSettings(mode: DefenseMode, cfg: DefenseConfig): string | undefined {
  if (mode === 'pin-threshold') return `lambda=${cfg.lambda},noise=${cfg.noise}`;
  if (mode === 'topk') return `k=${Math.min(cfg.topk ?? K, K)}`;
  return undefined;
}

/** How the configured defense differs from the one the manifest's thresholds were calibrated with. */
export function uncalibratedSettings(cfg: DefenseConfig): string[] {
  const diff: string[] = [];
  if (cfg.lambda !== calibrated.lambda) diff.push(`lambda ${cfg.lambda} (calibrated: ${calibrated.lambda})`);
  if (cfg.noise !== calibrated.noise) diff.push(`noise ${cfg.noise} (calibrated: ${calibrated.noise})`);
  if (Math.min(cfg.topk ?? K, K) !== Math.min(calibrated.topk ?? K, K)) diff.push(`topk ${cfg.topk} (calibrated: ${calibrated.topk ?? K})`);
  if (!modes[cfg.mode]) diff.push(`default mode "${cfg.mode}" (calibrated: ${Object.keys(modes).join(', ')})`);
  return diff;
}

/**
 * Start-up check: thresholds from the manifest are used only for the settings they were measured
 * with. An explicit `threshold` is the deployment's own (expert) choice and lifts the check.
 */
export function assertCalibrated(config: PinfaceConfig): void {
  if (config.far !== undefined && !FAR_LEVELS.includes(config.far)) {
    throw new PinfaceError('invalid_config', `[pinface] [config] far = ${config.far} is not a calibrated level. Use one of: ${FAR_LEVELS.join(', ')}.`);
  }
  if (config.threshold !== undefined) return;
  const diff = uncalibratedSettings(config.defense);
  if (diff.length === 0) return;
  throw new PinfaceError('invalid_config', `[pinface] [config] The defense settings differ from those models/manifest.json was calibrated for: ${diff.join('; ')}. Its thresholds would not hold their false-accept rate. Recalibrate with npm run calibrate, or pass an explicit threshold.`);
}
