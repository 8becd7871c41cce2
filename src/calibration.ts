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

const modes: Partial<Record<DefenseMode, { threshold: number }>> = manifest.calibration.modes;
const calibrated: Partial<DefenseConfig> = manifest.calibration.defense as Partial<DefenseConfig>;
const K = manifest.space.k;

/** The decision threshold calibrated for a defense mode (npm run calibrate). */
export function calibratedThreshold(mode: DefenseMode): number {
  const entry = modes[mode];
  if (!entry) throw new PinfaceError('invalid_parameters', `[pinface] [defense] "${mode}" has no calibrated threshold in this build (run npm run calibrate). Use one of: ${Object.keys(modes).join(', ')}.`, { field: 'defense' });
  return entry.threshold;
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
  if (config.threshold !== undefined) return;
  const diff = uncalibratedSettings(config.defense);
  if (diff.length === 0) return;
  throw new PinfaceError('invalid_config', `[pinface] [config] The defense settings differ from those models/manifest.json was calibrated for: ${diff.join('; ')}. Its thresholds would not hold their false-accept rate. Recalibrate with npm run calibrate, or pass an explicit threshold.`);
}
