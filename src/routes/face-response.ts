/** @module Face responses: what every image route reports about a face, its defense and its timings, and the body limit they share. */
import { bodyLimit } from 'hono/body-limit';
import { DEFAULT_FAR } from '../calibration.ts';
import { allowedOptions, securityFromVars, type PinfaceConfig, type PinfaceVars } from '../config.ts';
import type { AnalyzedImage } from '../analyze.ts';
import { PinfaceError } from '../errors.ts';
import type { DefenseRequest } from '../immune/project.ts';
import { randomSeed } from '../immune/rng.ts';
import { drawsMasks } from '../immune/selectors.ts';
import { refuseDisallowedOptions } from '../security/client-options.ts';
import { bytesToBase64, type RequestOptions } from './read-images.ts';
import { ProblemSchema } from './schemas.ts';

export const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

export const faceInfo = ({ image, face, quality, crops }: AnalyzedImage) => ({
  box: { x: round(face.box.x, 1), y: round(face.box.y, 1), width: round(face.box.width, 1), height: round(face.box.height, 1) },
  score: round(face.score, 4),
  landmarks: face.landmarks.map(([x, y]) => [round(x, 1), round(y, 1)] as [number, number]),
  facesDetected: face.facesDetected,
  image,
  quality: {
    faceSize: round(quality.faceSize, 1), sharpness: round(quality.sharpness, 1), yaw: round(quality.yaw, 1), pitch: round(quality.pitch, 1), roll: round(quality.roll, 1),
    brightness: round(quality.brightness, 1), clipped: round(quality.clipped, 4), featureNorm: round(quality.featureNorm, 2),
  },
  ...(crops ? { crops: { size: crops.size, aligned: bytesToBase64(crops.aligned), projected: bytesToBase64(crops.projected) } } : {}),
});

export const stageTimings = ({ decodeMs, face, defense }: AnalyzedImage) => ({
  decode: round(decodeMs), detect: round(face.timings.detect), refine: round(face.timings.refine), landmarks: round(face.timings.landmarks),
  align: round(face.timings.align), project: round(defense.projectMs), embed: round(face.timings.embed),
});

/**
 * The request's defense, once the deployment has allowed the options it uses (403 otherwise).
 * One seed per request (returned, so a caller can replay it); each image draws its own mask
 * from a seed derived from it, so source and target masks are independent.
 */
export function defenseRequests(opts: RequestOptions, config: PinfaceConfig, vars: PinfaceVars | undefined, images: number): { seed: number | null; requests: DefenseRequest[] } {
  refuseDisallowedOptions(opts, { mode: config.defense.mode, far: config.far ?? DEFAULT_FAR }, allowedOptions(securityFromVars(config.security, vars)));
  const mode = opts.defense ?? config.defense.mode;
  const seed = drawsMasks(mode) && !opts.deterministic ? (opts.seed ?? randomSeed()) : null;
  const requests = Array.from({ length: images }, (_, i): DefenseRequest => ({
    mode, deterministic: opts.deterministic,
    ...(seed === null ? {} : { seed: (seed + Math.imul(0x9e3779b9, i)) >>> 0 }),
  }));
  return { seed, requests };
}

export const defenseReport = (seed: number | null, opts: RequestOptions, parts: Record<string, AnalyzedImage>) => {
  const first = Object.values(parts)[0] as AnalyzedImage;
  return {
    mode: first.defense.mode, seed, deterministic: opts.deterministic, components: first.defense.components,
    componentsKept: Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, v.defense.componentsKept])),
  };
};

export const problems = {
  400: { description: 'invalid_parameters', content: { 'application/problem+json': { schema: ProblemSchema } } },
  401: { description: 'unauthorized: no, or no valid, API key (keys mode)', content: { 'application/problem+json': { schema: ProblemSchema } } },
  403: { description: 'forbidden: an option that weakens the defense (seed, deterministic, aligned, crops, defense=none|topk) this deployment does not allow (PINFACE_ALLOW_OPTIONS)', content: { 'application/problem+json': { schema: ProblemSchema } } },
  413: { description: 'payload_too_large or too_many_pixels', content: { 'application/problem+json': { schema: ProblemSchema } } },
  415: { description: 'unsupported_media_type', content: { 'application/problem+json': { schema: ProblemSchema } } },
  422: { description: 'corrupt_image, no_face, multiple_faces or low_quality', content: { 'application/problem+json': { schema: ProblemSchema } } },
  429: { description: 'rate_limited', content: { 'application/problem+json': { schema: ProblemSchema } } },
};

/** Counted while streaming, so a 50 MB chunked body is refused without being buffered. */
export const imageBodyLimit = (config: PinfaceConfig) => bodyLimit({
  maxSize: config.limits.maxBodyBytes,
  onError: () => {
    throw new PinfaceError('payload_too_large', `[pinface] [request] The body exceeds ${config.limits.maxBodyBytes} bytes. Send smaller photos.`, {
      extra: { maxBodyBytes: config.limits.maxBodyBytes },
    });
  },
});
