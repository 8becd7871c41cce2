/** @module Face routes: POST /v1/verify and POST /v1/embed. */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import type { PinfaceConfig } from '../config.ts';
import { analyzeImage, calibratedThreshold, modelIds, type AnalyzedImage, type Engine } from '../engine.ts';
import type { DefenseRequest } from '../immune/project.ts';
import { randomSeed } from '../immune/rng.ts';
import { drawsMasks } from '../immune/selectors.ts';
import type { RequestOptions } from './read-images.ts';
import { PinfaceError } from '../errors.ts';
import { decide } from '../pipeline/decide.ts';
import { readImages } from './read-images.ts';
import {
  EmbedFormSchema, EmbedJsonSchema, EmbedResponseSchema, ProblemSchema,
  VerifyFormSchema, VerifyJsonSchema, VerifyResponseSchema,
} from './schemas.ts';

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

const faceInfo = ({ image, face }: AnalyzedImage) => ({
  box: { x: round(face.box.x, 1), y: round(face.box.y, 1), width: round(face.box.width, 1), height: round(face.box.height, 1) },
  score: round(face.score, 4),
  landmarks: face.landmarks.map(([x, y]) => [round(x, 1), round(y, 1)] as [number, number]),
  facesDetected: face.facesDetected,
  image,
});

const stageTimings = ({ decodeMs, face, defense }: AnalyzedImage) => ({
  decode: round(decodeMs), detect: round(face.timings.detect), landmarks: round(face.timings.landmarks),
  align: round(face.timings.align), project: round(defense.projectMs), embed: round(face.timings.embed),
});

/**
 * One seed per request (returned, so a caller can replay it); each image draws its own mask
 * from a seed derived from it, so source and target masks are independent.
 */
function defenseRequests(opts: RequestOptions, config: PinfaceConfig, images: number): { seed: number | null; requests: DefenseRequest[] } {
  const mode = opts.defense ?? config.defense.mode;
  const seed = drawsMasks(mode) && !opts.deterministic ? (opts.seed ?? randomSeed()) : null;
  const requests = Array.from({ length: images }, (_, i): DefenseRequest => ({
    mode, deterministic: opts.deterministic,
    ...(seed === null ? {} : { seed: (seed + Math.imul(0x9e3779b9, i)) >>> 0 }),
  }));
  return { seed, requests };
}

const defenseReport = (seed: number | null, opts: RequestOptions, parts: Record<string, AnalyzedImage>) => {
  const first = Object.values(parts)[0] as AnalyzedImage;
  return {
    mode: first.defense.mode, seed, deterministic: opts.deterministic, components: first.defense.components,
    componentsKept: Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, v.defense.componentsKept])),
  };
};

const problems = {
  400: { description: 'invalid_parameters', content: { 'application/problem+json': { schema: ProblemSchema } } },
  413: { description: 'payload_too_large or too_many_pixels', content: { 'application/problem+json': { schema: ProblemSchema } } },
  415: { description: 'unsupported_media_type', content: { 'application/problem+json': { schema: ProblemSchema } } },
  422: { description: 'corrupt_image, no_face or multiple_faces', content: { 'application/problem+json': { schema: ProblemSchema } } },
};

const verifyRoute = createRoute({
  method: 'post', path: '/v1/verify', summary: 'Are the faces in two photos the same person?',
  request: { body: { required: true, content: { 'multipart/form-data': { schema: VerifyFormSchema }, 'application/json': { schema: VerifyJsonSchema } } } },
  responses: { 200: { description: 'Decision', content: { 'application/json': { schema: VerifyResponseSchema } } }, ...problems },
});

const embedRoute = createRoute({
  method: 'post', path: '/v1/embed', summary: 'The 512-d embedding of the face in one photo.',
  request: { body: { required: true, content: { 'multipart/form-data': { schema: EmbedFormSchema }, 'application/json': { schema: EmbedJsonSchema } } } },
  responses: { 200: { description: 'Embedding', content: { 'application/json': { schema: EmbedResponseSchema } } }, ...problems },
});

export function registerFaceRoutes(app: OpenAPIHono, engine: () => Promise<Engine>, config: PinfaceConfig): void {
  app.openAPIRegistry.registerPath(verifyRoute);
  app.openAPIRegistry.registerPath(embedRoute);
  // Counted while streaming, so a 50 MB chunked body is refused without being buffered.
  const limit = bodyLimit({
    maxSize: config.limits.maxBodyBytes,
    onError: () => {
      throw new PinfaceError('payload_too_large', `[pinface] [request] The body exceeds ${config.limits.maxBodyBytes} bytes. Send smaller photos.`, {
        extra: { maxBodyBytes: config.limits.maxBodyBytes },
      });
    },
  });

  app.post('/v1/verify', limit, async (c) => {
    const t0 = performance.now();
    const req = await readImages(c, ['source', 'target'] as const, VerifyJsonSchema, config.limits);
    const { seed, requests: [sourceDefense, targetDefense] } = defenseRequests(req, config, 2);
    const threshold = config.threshold ?? calibratedThreshold((sourceDefense as DefenseRequest).mode);
    const e = await engine();
    const source = await analyzeImage(e, req.images.source, 'source', req.faces, sourceDefense as DefenseRequest, config);
    const target = await analyzeImage(e, req.images.target, 'target', req.faces, targetDefense as DefenseRequest, config);
    const d = decide(source.face.embedding, target.face.embedding, threshold);
    return c.json({
      match: d.match, similarity: round(d.similarity, 6), threshold: d.threshold,
      faces: { source: faceInfo(source), target: faceInfo(target) },
      models: modelIds,
      defense: defenseReport(seed, req, { source, target }),
      timings: { source: stageTimings(source), target: stageTimings(target), total: round(performance.now() - t0) },
    });
  });

  app.post('/v1/embed', limit, async (c) => {
    const t0 = performance.now();
    const req = await readImages(c, ['image'] as const, EmbedJsonSchema, config.limits);
    const { seed, requests: [defense] } = defenseRequests(req, config, 1);
    const e = await engine();
    const image = await analyzeImage(e, req.images.image, 'image', req.faces, defense as DefenseRequest, config);
    return c.json({
      embedding: Array.from(image.face.embedding, (v) => round(v, 7)),
      face: faceInfo(image), models: modelIds, defense: defenseReport(seed, req, { image }),
      timings: { image: stageTimings(image), total: round(performance.now() - t0) },
    });
  });
}
