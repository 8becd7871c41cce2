/**
 * @module Client options that weaken the defense, and whether this deployment lets a caller use
 * them. The image is untrusted; the caller usually is not the attacker, but browser-direct and
 * pass-through deployments exist, so the operator decides (PINFACE_ALLOW_OPTIONS).
 */
import { PinfaceError } from '../errors.ts';
import type { DefenseMode } from '../immune/selectors.ts';

/**
 * Why each one weakens the defense:
 * - seed, deterministic: remove PIN's randomness, so a query attack sees the same mask every time;
 * - aligned: pixel-exact control of the recognizer's input (no detection or alignment in between);
 * - crops: returns what the defense handed the recognizer, a free view of the projection;
 * - defense:none, defense:topk: no defense, or projection without selection;
 * - threshold: a decision threshold of the caller's choosing instead of a calibrated one;
 * - far: a false-accept level above the deployment's default (a looser decision).
 */
export const WEAKENING_OPTIONS = ['seed', 'deterministic', 'aligned', 'crops', 'defense:none', 'defense:topk', 'threshold', 'far'] as const;
export type WeakeningOption = typeof WEAKENING_OPTIONS[number];

export const ALLOW_OPTIONS_VAR = 'PINFACE_ALLOW_OPTIONS';

/** PINFACE_ALLOW_OPTIONS: "all", "none", or a comma-separated list of WEAKENING_OPTIONS. */
export function parseAllowedOptions(value: string): WeakeningOption[] {
  const v = value.trim();
  if (v === 'all' || v === '*') return [...WEAKENING_OPTIONS];
  if (v === 'none' || v === '') return [];
  const names = v.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(WEAKENING_OPTIONS as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw new PinfaceError('invalid_config', `[pinface] [config] ${ALLOW_OPTIONS_VAR} names unknown option(s) ${unknown.map((n) => `"${n}"`).join(', ')}. Should be "all", "none" or a list of: ${WEAKENING_OPTIONS.join(', ')}.`);
  }
  return names as WeakeningOption[];
}

export interface RequestedOptions {
  defense: DefenseMode | undefined;
  seed: number | undefined;
  deterministic: boolean;
  aligned: boolean;
  crops: boolean;
  threshold?: number | undefined;
  far?: number | undefined;
}

/** What a request is compared with: the deployment's default defense and false-accept level. */
export interface Defaults { mode: DefenseMode; far: number }

/** The weakening options a request uses; naming the deployment's own defaults is not one. */
export function weakeningOptionsUsed(opts: RequestedOptions, defaults: Defaults): WeakeningOption[] {
  const used: WeakeningOption[] = [];
  if (opts.seed !== undefined) used.push('seed');
  if (opts.deterministic) used.push('deterministic');
  if (opts.aligned) used.push('aligned');
  if (opts.crops) used.push('crops');
  if ((opts.defense === 'none' || opts.defense === 'topk') && opts.defense !== defaults.mode) used.push(`defense:${opts.defense}`);
  if (opts.threshold !== undefined) used.push('threshold');
  if (opts.far !== undefined && opts.far > defaults.far) used.push('far');
  return used;
}

/** 403 for the first option the deployment does not allow, naming the setting that would allow it. */
export function refuseDisallowedOptions(opts: RequestedOptions, defaults: Defaults, allowed: readonly WeakeningOption[]): void {
  const refused = weakeningOptionsUsed(opts, defaults).find((o) => !allowed.includes(o));
  if (refused === undefined) return;
  const field = refused.startsWith('defense:') ? 'defense' : refused;
  throw new PinfaceError('forbidden', `[pinface] [policy] The option ${refused.replace(':', '=')} weakens the defense, and this deployment does not allow it. Its operator can allow it with ${ALLOW_OPTIONS_VAR}=${refused} (a comma-separated list; see the README's security model).`, {
    field, extra: { option: refused, setting: ALLOW_OPTIONS_VAR },
  });
}
