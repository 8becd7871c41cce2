/**
 * @module Versions: the ids of the files a response was computed with, and the version stamped on
 * a stored template, so embeddings of other models, spaces or settings are never compared.
 */
import manifest from '../models/manifest.json' with { type: 'json' };
import { defenseSettings } from './calibration.ts';
import type { DefenseConfig } from './immune/project.ts';
import type { DefenseMode } from './immune/selectors.ts';

const id = (file: string, sha256: string): string => `${file.replace(/\.[a-z]+$/, '')}@${sha256.slice(0, 12)}`;
const cleanRecognizer = id(manifest.models.feature.file, manifest.models.feature.sha256);
/** The projection-aware recognizer (npm run train:recognizer), when the build has one. */
const pinEntry = (manifest as { pinRecognizer?: { file: string; sha256: string } }).pinRecognizer;
const pinRecognizer = pinEntry ? id(pinEntry.file, pinEntry.sha256) : undefined;

export const modelIds = {
  detector: id(manifest.models.detect.file, manifest.models.detect.sha256),
  landmarks: id(manifest.models.landmark.file, manifest.models.landmark.sha256),
  immuneSpace: id(manifest.space.file, manifest.space.sha256),
  selector: id(manifest.selector.file, manifest.selector.sha256),
};

/** Which recognizer embeds a mode's input: the shipped one for none, the projection-aware one for every projecting mode. */
export const recognizerId = (mode: DefenseMode): string => (mode === 'none' ? cleanRecognizer : pinRecognizer ?? cleanRecognizer);
/** Every recognizer of this build by role. */
export const recognizerIds = { none: cleanRecognizer, projecting: pinRecognizer ?? cleanRecognizer };
/** The model ids a response names: the recognizer is the one its defense mode used. */
export const modelIdsFor = (mode: DefenseMode) => ({ ...modelIds, recognizer: recognizerId(mode) });

/**
 * The version stamped on a stored template: recognizer, defense mode, and the files that mode
 * depends on. Templates are only compared with probes of the same version, so a new model,
 * space or selector can never be scored against embeddings it did not make.
 */
export function embeddingVersion(mode: DefenseMode, defense: DefenseConfig): string {
  const parts: string[] = [recognizerId(mode), mode];
  if (mode !== 'none') parts.push(modelIds.immuneSpace);
  if (mode === 'pin-learned') parts.push(modelIds.selector);
  const settings = defenseSettings(mode, defense);
  if (settings !== undefined) parts.push(settings);
  return parts.join('/');
}
