/**
 * @module Subject routes: a tenant's enrolled people. Create, enroll faces (the embedding and
 * box are kept, the photo is not), verify a probe against one subject, search all of them
 * (1:N), list, and erase a face or a whole subject.
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { PinfaceConfig } from '../config.ts';
import { analyzeImage, type AnalyzedImage } from '../analyze.ts';
import type { Engine } from '../engine.ts';
import { embeddingVersion, modelIdsFor } from '../versions.ts';
import { decisionThreshold } from '../calibration.ts';
import type { PinfaceEnv } from '../env.ts';
import { PinfaceError } from '../errors.ts';
import type { DefenseRequest } from '../immune/project.ts';
import type { RouteAuth } from '../security/auth.ts';
import { cosine } from '../pipeline/decide.ts';
import { newId, type FaceRecord, type SubjectRecord } from '../store/types.ts';
import { defenseReport, defenseRequests, faceInfo, imageBodyLimit, problems, round, stageTimings } from './face-response.ts';
import { parseOrThrow, readJson } from './parse.ts';
import { readImages, type ImageRequest } from './read-images.ts';
import {
  json, CreateSubjectSchema, EmbedFormSchema, EmbedJsonSchema, embedRequest, EnrollResponseSchema, ProbeFormSchema, ProbeJsonSchema, probeRequest, ListQuerySchema, ProblemSchema, SearchQuerySchema,
  SearchResponseSchema, SubjectDetailSchema, SubjectPageSchema, SubjectSchema, SubjectVerifyQuerySchema, SubjectVerifyResponseSchema,
} from './schemas.ts';

type Ctx = Context<PinfaceEnv>;

const imageBody = { body: { required: true, content: { 'multipart/form-data': { schema: EmbedFormSchema }, 'application/json': { schema: EmbedJsonSchema } } } };
const probeBody = { body: { required: true, content: { 'multipart/form-data': { schema: ProbeFormSchema }, 'application/json': { schema: ProbeJsonSchema } } } };
const subjectParam = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' } }) });
const storeProblems = {
  401: { description: 'unauthorized', ...json(ProblemSchema) },
  404: { description: 'not_found', ...json(ProblemSchema) },
  409: { description: 'no_templates or incompatible_templates', ...json(ProblemSchema) },
  429: { description: 'rate_limited (the key), or subject_rate_limited (verify attempts on the subject)', ...json(ProblemSchema) },
};

const routes = [
  createRoute({ method: 'post', path: '/v1/subjects', summary: 'Create a subject', request: { body: { required: false, ...json(CreateSubjectSchema) } }, responses: { 201: { description: 'Created', ...json(SubjectSchema) }, ...storeProblems } }),
  createRoute({ method: 'get', path: '/v1/subjects', summary: 'List subjects', request: { query: ListQuerySchema }, responses: { 200: { description: 'A page', ...json(SubjectPageSchema) }, ...storeProblems } }),
  createRoute({ method: 'get', path: '/v1/subjects/{id}', summary: 'A subject and its templates (no embeddings)', request: { params: subjectParam }, responses: { 200: { description: 'Subject', ...json(SubjectDetailSchema) }, ...storeProblems } }),
  createRoute({ method: 'delete', path: '/v1/subjects/{id}', summary: 'Erase a subject and every template it has', request: { params: subjectParam }, responses: { 204: { description: 'Erased' }, ...storeProblems } }),
  createRoute({ method: 'post', path: '/v1/subjects/{id}/faces', summary: 'Enroll the face in a photo', request: { params: subjectParam, ...imageBody }, responses: { 201: { description: 'Enrolled', ...json(EnrollResponseSchema) }, ...problems, ...storeProblems } }),
  createRoute({ method: 'delete', path: '/v1/subjects/{id}/faces/{faceId}', summary: 'Erase one template', request: { params: subjectParam.extend({ faceId: z.string().openapi({ param: { name: 'faceId', in: 'path' } }) }) }, responses: { 204: { description: 'Erased' }, ...storeProblems } }),
  createRoute({ method: 'post', path: '/v1/subjects/{id}/verify', summary: 'Is the face in a photo this subject?', request: { params: subjectParam, query: SubjectVerifyQuerySchema, ...probeBody }, responses: { 200: { description: 'Decision', ...json(SubjectVerifyResponseSchema) }, ...problems, ...storeProblems } }),
  createRoute({ method: 'post', path: '/v1/search', summary: 'Which of the tenant\'s subjects is the face in a photo? (1:N)', request: { query: SearchQuerySchema, ...probeBody }, responses: { 200: { description: 'Ranked subjects', ...json(SearchResponseSchema) }, ...problems, ...storeProblems } }),
];

const notFound = (what: string, id: string): PinfaceError => new PinfaceError('not_found', `[pinface] [subjects] No ${what} "${id}" in this tenant.`, { field: 'id' });

const templateInfo = (f: FaceRecord) => ({ id: f.id, version: f.version, box: f.box, score: f.score, createdAt: f.createdAt });

async function subjectOr404(c: Ctx, id: string): Promise<SubjectRecord> {
  const s = await c.var.store.getSubject(c.var.tenant, id);
  if (!s) throw notFound('subject', id);
  return s;
}

export function registerSubjectRoutes(app: OpenAPIHono<PinfaceEnv>, engine: () => Promise<Engine>, config: PinfaceConfig, auth: RouteAuth): void {
  for (const r of routes) app.openAPIRegistry.registerPath(r);
  const limit = imageBodyLimit(config);
  const guarded = [auth.tenant, auth.store] as const;
  const smallBody = bodyLimit({ maxSize: 16 * 1024, onError: () => { throw new PinfaceError('payload_too_large', '[pinface] [request] This body is limited to 16 KiB.'); } });

  /** One image through the pipeline, as in /v1/embed; a probe that decides (verify, search) also gets its threshold. */
  const probe = async (c: Ctx, decides: boolean) => {
    const req: ImageRequest<'image'> = await readImages(c, ['image'] as const, decides ? probeRequest : embedRequest, config.limits);
    const { seed, requests: [defense] } = defenseRequests(req, config, c.env, 1);
    const d = defense as DefenseRequest;
    const image: AnalyzedImage = await analyzeImage(await engine(), req.images.image, 'image', req, d, config);
    return {
      image, version: embeddingVersion(d.mode, config.defense), decision: decisionThreshold(d.mode, req, config),
      report: { face: faceInfo(image), models: modelIdsFor(d.mode), defense: defenseReport(seed, req, { image }) },
    };
  };

  app.post('/v1/subjects', ...guarded, smallBody, async (c) => {
    const body = await readJson(c, CreateSubjectSchema);
    const s: SubjectRecord = { id: newId('sub'), label: body.label ?? null, createdAt: new Date().toISOString() };
    await c.var.store.createSubject(c.var.tenant, s);
    return c.json(s, 201);
  });

  app.get('/v1/subjects', ...guarded, async (c) => {
    const q = parseOrThrow(ListQuerySchema, c.req.query());
    const page = await c.var.store.listSubjects(c.var.tenant, q.limit, q.cursor ?? null);
    return c.json({ subjects: page.items, cursor: page.cursor });
  });

  app.get('/v1/subjects/:id', ...guarded, async (c) => {
    const s = await subjectOr404(c, c.req.param('id'));
    return c.json({ ...s, faces: (await c.var.store.listFaces(c.var.tenant, s.id)).map(templateInfo) });
  });

  app.delete('/v1/subjects/:id', ...guarded, async (c) => {
    const id = c.req.param('id');
    if (!(await c.var.store.deleteSubject(c.var.tenant, id))) throw notFound('subject', id);
    return c.body(null, 204);
  });

  app.post('/v1/subjects/:id/faces', ...guarded, limit, async (c) => {
    const t0 = performance.now();
    const subject = await subjectOr404(c, c.req.param('id'));
    const p = await probe(c, false);
    const box = p.report.face.box;
    const face: FaceRecord = { id: newId('face'), subjectId: subject.id, version: p.version, embedding: p.image.face.embedding, box, score: p.report.face.score, createdAt: new Date().toISOString() };
    // The subject may have been erased while the photo was analysed: then nothing is written.
    if (!(await c.var.store.addFace(c.var.tenant, face))) throw notFound('subject', subject.id);
    return c.json({ subject, template: templateInfo(face), ...p.report, timings: { image: stageTimings(p.image), total: round(performance.now() - t0) } }, 201);
  });

  app.delete('/v1/subjects/:id/faces/:faceId', ...guarded, async (c) => {
    const { id, faceId } = c.req.param();
    if (!(await c.var.store.deleteFace(c.var.tenant, id, faceId))) throw notFound('template', faceId);
    return c.body(null, 204);
  });

  app.post('/v1/subjects/:id/verify', ...guarded, limit, async (c) => {
    const t0 = performance.now();
    const { aggregate } = parseOrThrow(SubjectVerifyQuerySchema, c.req.query());
    const subject = await subjectOr404(c, c.req.param('id'));
    // Before the photo is read: an attempt over the limit costs the service nothing.
    await auth.subjectAttempt(c, subject.id);
    const p = await probe(c, true);
    const all = await c.var.store.listFaces(c.var.tenant, subject.id);
    const faces = all.filter((f) => f.version === p.version);
    if (all.length === 0) throw new PinfaceError('no_templates', `[pinface] [subjects] Subject "${subject.id}" has no enrolled faces. Enroll one with POST /v1/subjects/${subject.id}/faces.`);
    if (faces.length === 0) {
      throw new PinfaceError('incompatible_templates', `[pinface] [subjects] Subject "${subject.id}" has ${all.length} template(s), none made by ${p.version}. Verify with the defense they were enrolled with, or enroll again.`, {
        extra: { probeVersion: p.version, templateVersions: [...new Set(all.map((f) => f.version))] },
      });
    }
    const sims = faces.map((f) => cosine(p.image.face.embedding, f.embedding));
    const similarity = aggregate === 'best' ? Math.max(...sims) : sims.reduce((a, b) => a + b, 0) / sims.length;
    return c.json({
      match: similarity >= p.decision.threshold, similarity: round(similarity, 6), ...p.decision, aggregate, templates: faces.length, subject,
      ...p.report, timings: { image: stageTimings(p.image), total: round(performance.now() - t0) },
    });
  });

  app.post('/v1/search', ...guarded, limit, async (c) => {
    const t0 = performance.now();
    const { topK } = parseOrThrow(SearchQuerySchema, c.req.query());
    const p = await probe(c, true);
    const best = new Map<string, { similarity: number; templates: number }>();
    const faces = await c.var.store.facesAtVersion(c.var.tenant, p.version);
    for (const f of faces) {
      const s = cosine(p.image.face.embedding, f.embedding);
      const b = best.get(f.subjectId) ?? { similarity: -Infinity, templates: 0 };
      best.set(f.subjectId, { similarity: Math.max(b.similarity, s), templates: b.templates + 1 });
    }
    const ranked = [...best.entries()].sort((a, b) => b[1].similarity - a[1].similarity).slice(0, topK);
    const results = [];
    for (const [id, r] of ranked) {
      // A subject erased since the templates were read is skipped, not reported.
      const subject = await c.var.store.getSubject(c.var.tenant, id);
      if (subject) results.push({ subject, similarity: round(r.similarity, 6), match: r.similarity >= p.decision.threshold, templates: r.templates });
    }
    return c.json({
      results, ...p.decision, searched: { subjects: best.size, templates: faces.length },
      ...p.report, timings: { image: stageTimings(p.image), total: round(performance.now() - t0) },
    });
  });
}
