/** @module Face routes: POST /v1/verify and POST /v1/embed. */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { PinfaceConfig } from '../config.ts';
import { analyzeImage } from '../analyze.ts';
import type { Engine } from '../engine.ts';
import { modelIdsFor } from '../versions.ts';
import { decisionThreshold } from '../calibration.ts';
import type { PinfaceEnv } from '../env.ts';
import type { DefenseRequest } from '../immune/project.ts';
import type { RouteAuth } from '../security/auth.ts';
import { decide } from '../pipeline/decide.ts';
import { defenseReport, defenseRequests, faceInfo, imageBodyLimit, problems, round, stageTimings } from './face-response.ts';
import { readImages } from './read-images.ts';
import {
  EmbedFormSchema, EmbedJsonSchema, EmbedResponseSchema, embedRequest,
  VerifyFormSchema, VerifyJsonSchema, VerifyResponseSchema, verifyRequest,
} from './schemas.ts';

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

export function registerFaceRoutes(app: OpenAPIHono<PinfaceEnv>, engine: () => Promise<Engine>, config: PinfaceConfig, auth: RouteAuth): void {
  app.openAPIRegistry.registerPath(verifyRoute);
  app.openAPIRegistry.registerPath(embedRoute);
  const limit = imageBodyLimit(config);

  app.post('/v1/verify', auth.tenant, limit, async (c) => {
    const t0 = performance.now();
    const req = await readImages(c, ['source', 'target'] as const, verifyRequest, config.limits);
    const { seed, requests: [sourceDefense, targetDefense] } = defenseRequests(req, config, c.env, 2);
    const decision = decisionThreshold((sourceDefense as DefenseRequest).mode, req, config);
    const e = await engine();
    const source = await analyzeImage(e, req.images.source, 'source', req, sourceDefense as DefenseRequest, config);
    const target = await analyzeImage(e, req.images.target, 'target', req, targetDefense as DefenseRequest, config);
    const t1 = performance.now();
    const d = decide(source.face.embedding, target.face.embedding, decision.threshold);
    const decideMs = performance.now() - t1;
    return c.json({
      match: d.match, similarity: round(d.similarity, 6), ...decision,
      faces: { source: faceInfo(source), target: faceInfo(target) },
      models: modelIdsFor((sourceDefense as DefenseRequest).mode),
      defense: defenseReport(seed, req, { source, target }),
      timings: { source: stageTimings(source), target: stageTimings(target), decide: round(decideMs, 3), total: round(performance.now() - t0) },
    });
  });

  app.post('/v1/embed', auth.tenant, limit, async (c) => {
    const t0 = performance.now();
    const req = await readImages(c, ['image'] as const, embedRequest, config.limits);
    const { seed, requests: [defense] } = defenseRequests(req, config, c.env, 1);
    const e = await engine();
    const image = await analyzeImage(e, req.images.image, 'image', req, defense as DefenseRequest, config);
    return c.json({
      embedding: Array.from(image.face.embedding, (v) => round(v, 7)),
      face: faceInfo(image), models: modelIdsFor((defense as DefenseRequest).mode), defense: defenseReport(seed, req, { image }),
      timings: { image: stageTimings(image), total: round(performance.now() - t0) },
    });
  });
}
