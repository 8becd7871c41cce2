/** @module Defaults: every tunable of pinface in one place, merged with spread. */
import type { DefenseConfig } from './immune/project.ts';
import { parseAllowedOptions, WEAKENING_OPTIONS, type WeakeningOption } from './security/client-options.ts';
import type { RateLimitSettings } from './security/rate-limit.ts';

export interface Limits {
  /** Largest accepted upload, per image, in bytes (checked while streaming, before decode). */
  maxImageBytes: number;
  /** Largest accepted request body (two images plus form/JSON overhead). */
  maxBodyBytes: number;
  /** Largest image decoded at full size, width * height, checked from the header before decoding. */
  maxPixels: number;
  /**
   * JPEGs with more pixels than this decode at 1/2, 1/4 or 1/8 scale in DCT space (the face is
   * then decoded again at a finer scale when it comes out small), on every runtime alike.
   */
  reducedScaleAbove: number;
  /** Largest JPEG accepted for a reduced-scale decode, width * height. */
  maxJpegPixels: number;
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

export interface SecurityConfig {
  /**
   * keys: every face, subject and key route needs an API key (the default, and the only mode
   * for a deployment). open: no keys, one tenant "open", no rate limit, for local demos; it has
   * to be asked for (PINFACE_AUTH=open, as npm start does).
   */
  auth: 'keys' | 'open';
  /** Operator secret for POST /v1/admin/keys (PINFACE_ADMIN_TOKEN); absent: the admin route answers 403. */
  adminToken?: string;
  /** Origins allowed to call the API from a browser (PINFACE_CORS_ORIGINS, comma-separated); empty: no CORS headers. */
  corsOrigins: string[];
  /** Per API key (PINFACE_RATE_LIMIT = requests per minute; the burst is a quarter of it). */
  rateLimit: RateLimitSettings;
  /**
   * Verify attempts per enrolled subject, over every key of its tenant (PINFACE_SUBJECT_ATTEMPTS = attempts per
   * hour; the burst is a sixth of it). PIN draws a fresh mask per request, so a caller who may retry a perturbed
   * photo wins at its per-draw rate: this caps the retries a subject can be attacked with. Keys mode only.
   */
  subjectAttempts: RateLimitSettings;
  /**
   * Request options that weaken the defense which callers may use (PINFACE_ALLOW_OPTIONS);
   * absent: all of them in open mode, none with keys.
   */
  allowOptions?: WeakeningOption[];
}

export interface PinfaceConfig {
  limits: Limits;
  security: SecurityConfig;
  detector: DetectorOptions;
  defense: DefenseConfig;
  /** Cosine-similarity threshold for every decision; by default the one calibrated for the defense mode and false-accept level (models/manifest.json). */
  threshold?: number;
  /** The false-accept level decisions are made at unless a request names one: a calibrated level (default 1e-3). */
  far?: number;
}

export const defaultLimits: Limits = {
  // A 48-megapixel phone JPEG is 8-20 MB.
  maxImageBytes: 24 * 1024 * 1024,
  maxBodyBytes: 50 * 1024 * 1024,
  maxPixels: 16_777_216, // 4096 x 4096
  reducedScaleAbove: 4_194_304, // 2048 x 2048
  maxJpegPixels: 67_108_864, // 8192 x 8192: 48- and 50-megapixel phone photos fit
  maxSide: 8192,
};

/**
 * A 128 MB Workers isolate cannot hold a 12-megapixel full-size decode (decoder heap ~4-8
 * bytes/pixel plus a 4 bytes/pixel copy) next to the networks. Large JPEGs decode at reduced
 * scale on every runtime (reducedScaleAbove); this caps what is still decoded at full size there:
 * PNG, WebP and the JPEG kinds the reduced-scale decoder does not handle.
 */
export const workersLimits: Partial<Limits> = { maxPixels: 4_194_304 }; // 2048 x 2048

export const defaultSecurity: SecurityConfig = {
  auth: 'keys',
  corsOrigins: [],
  rateLimit: { perMinute: 120, burst: 30 },
  // A person logging in retries a few times, not dozens: 5 at once, then one every 2 minutes.
  subjectAttempts: { perMinute: 0.5, burst: 5 },
};

/** Deployment settings that arrive as environment variables (Workers vars/secrets, Deno.env, process.env). */
export interface PinfaceVars {
  PINFACE_AUTH?: string;
  PINFACE_ADMIN_TOKEN?: string;
  PINFACE_CORS_ORIGINS?: string;
  PINFACE_RATE_LIMIT?: string;
  PINFACE_SUBJECT_ATTEMPTS?: string;
  PINFACE_ALLOW_OPTIONS?: string;
}

/** The variables an adapter outside Workers reads from its environment (Deno.env, process.env). */
export const varsFrom = (get: (name: string) => string | undefined): PinfaceVars => {
  const names = ['PINFACE_AUTH', 'PINFACE_ADMIN_TOKEN', 'PINFACE_CORS_ORIGINS', 'PINFACE_RATE_LIMIT', 'PINFACE_SUBJECT_ATTEMPTS', 'PINFACE_ALLOW_OPTIONS'] as const;
  return Object.fromEntries(names.flatMap((k) => (get(k) === undefined ? [] : [[k, get(k)]])));
};

/** Variables override the configured values; an unrecognised PINFACE_AUTH means keys, never open. */
export function securityFromVars(base: SecurityConfig, vars: PinfaceVars | undefined): SecurityConfig {
  if (!vars) return base;
  const perMinute = Number(vars.PINFACE_RATE_LIMIT);
  const perHour = Number(vars.PINFACE_SUBJECT_ATTEMPTS);
  return {
    ...base,
    ...(vars.PINFACE_AUTH === undefined ? {} : { auth: vars.PINFACE_AUTH === 'open' ? 'open' : 'keys' }),
    ...(vars.PINFACE_ADMIN_TOKEN ? { adminToken: vars.PINFACE_ADMIN_TOKEN } : {}),
    ...(vars.PINFACE_CORS_ORIGINS === undefined ? {} : { corsOrigins: vars.PINFACE_CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean) }),
    ...(Number.isFinite(perMinute) && perMinute > 0 ? { rateLimit: { perMinute, burst: Math.max(1, Math.ceil(perMinute / 4)) } } : {}),
    ...(Number.isFinite(perHour) && perHour > 0 ? { subjectAttempts: { perMinute: perHour / 60, burst: Math.max(1, Math.ceil(perHour / 6)) } } : {}),
    ...(vars.PINFACE_ALLOW_OPTIONS === undefined ? {} : { allowOptions: parseAllowedOptions(vars.PINFACE_ALLOW_OPTIONS) }),
  };
}

/** The weakening options callers may use: as configured, else every one in open mode and none with keys. */
export const allowedOptions = (security: SecurityConfig): readonly WeakeningOption[] =>
  security.allowOptions ?? (security.auth === 'open' ? WEAKENING_OPTIONS : []);

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

export interface ConfigInput extends Partial<Omit<PinfaceConfig, 'limits' | 'security' | 'detector' | 'defense'>> {
  limits?: Partial<Limits>;
  security?: Partial<SecurityConfig>;
  detector?: Partial<DetectorOptions>;
  defense?: Partial<DefenseConfig>;
}

export const resolveConfig = (options: ConfigInput = {}): PinfaceConfig => ({
  ...options,
  limits: { ...defaultLimits, ...options.limits },
  security: { ...defaultSecurity, ...options.security },
  detector: { ...defaultDetectorOptions, ...options.detector },
  defense: { ...defaultDefense, ...options.defense },
});
