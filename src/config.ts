/** @module Defaults: every tunable of pinface in one place, merged with spread. */
import type { DefenseConfig } from './immune/project.ts';

export interface Limits {
  /** Largest accepted upload, per image, in bytes (checked while streaming, before decode). */
  maxImageBytes: number;
  /** Largest accepted request body (two images plus form/JSON overhead). */
  maxBodyBytes: number;
  /** Largest decoded image, width * height, checked from the header before full decode. */
  maxPixels: number;
  /** Largest side in pixels, checked from the header. */
  maxSide: number;
}

export interface DetectorOptions {
  /** Minimum face score (softmax probability) to keep a detection. */
  scoreThreshold: number;
  /** IoU above which overlapping detections are merged away. */
  nmsIou: number;
  /** Faces smaller than this (shorter box side in source pixels) are ignored. */
  minFaceSize: number;
}

export interface PinfaceConfig {
  limits: Limits;
  detector: DetectorOptions;
  defense: DefenseConfig;
  /** Cosine-similarity threshold; by default the one calibrated for the defense mode (models/manifest.json). */
  threshold?: number;
}

export const defaultLimits: Limits = {
  maxImageBytes: 8 * 1024 * 1024,
  maxBodyBytes: 20 * 1024 * 1024,
  maxPixels: 16_777_216, // 4096 x 4096: a 12-megapixel phone photo fits
  maxSide: 8192,
};

/**
 * A 128 MB Workers isolate cannot hold a 12-megapixel decode (decoder heap ~4-8 bytes/pixel plus
 * a 4 bytes/pixel copy) next to the networks; bench/verify.ts measures it. Clients send
 * camera frames or downscaled photos there.
 */
export const workersLimits: Partial<Limits> = { maxPixels: 4_194_304 }; // 2048 x 2048

export const defaultDetectorOptions: DetectorOptions = {
  scoreThreshold: 0.7,
  nmsIou: 0.4,
  minFaceSize: 20,
};

/**
 * Measured choices (README, "The immune space"): lambda is the largest of npm run sweep's grid
 * whose clean accuracy on the tuning folds stays within 1 point of no defense. It is smaller
 * than the paper's 0.015 because ours weighs one component against the mean squared pixel
 * error of a whole face (see selectors.ts).
 */
export const defaultDefense: DefenseConfig = {
  mode: 'pin-threshold',
  lambda: 0.000001,
  noise: 0.04,
};

export interface ConfigInput extends Partial<Omit<PinfaceConfig, 'limits' | 'detector' | 'defense'>> {
  limits?: Partial<Limits>;
  detector?: Partial<DetectorOptions>;
  defense?: Partial<DefenseConfig>;
}

export const resolveConfig = (options: ConfigInput = {}): PinfaceConfig => ({
  ...options,
  limits: { ...defaultLimits, ...options.limits },
  detector: { ...defaultDetectorOptions, ...options.detector },
  defense: { ...defaultDefense, ...options.defense },
});
