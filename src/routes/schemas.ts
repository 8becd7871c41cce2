/** @module API schemas: zod schemas that both validate requests and generate /v1/openapi.json. */
import { z } from '@hono/zod-openapi';
import { DEFENSE_MODES } from '../immune/selectors.ts';

export const FacePolicySchema = z.enum(['largest', 'single']).default('largest').openapi({
  description: 'largest: use the largest face (as AWS CompareFaces does); single: answer 422 multiple_faces unless exactly one face is found.',
});

export const DefenseSchema = z.enum(DEFENSE_MODES).optional().openapi({
  description: 'Input defense before recognition. pin-threshold projects the face onto its immune space (PIN); topk keeps the first eigenfaces (ablation); pin-learned is PIN with the learned selector (npm run train:selector); none skips it. Default: the service default (GET /v1/info).',
});

/** Form fields arrive as strings: accept "true"/"false" and digits there, real values in JSON. */
const formBoolean = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);
const formSeed = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]).pipe(z.number().int().min(0).max(4294967295));

/** Options shared by every image endpoint, from form fields or JSON keys. */
export const ImageOptionsSchema = z.object({
  faces: FacePolicySchema,
  defense: DefenseSchema,
  seed: formSeed.optional().openapi({ type: 'integer', description: 'Seed of the Bernoulli component masks, for reproducible answers; random (and returned) when absent.' }),
  deterministic: formBoolean.default(false).openapi({ type: 'boolean', description: 'Keep components with keep-probability >= 1/2 instead of drawing a random mask.' }),
}).strict();

const base64 = z.string().min(1).openapi({ description: 'Image bytes as base64 (a data: URL prefix is accepted).' });

export const VerifyJsonSchema = ImageOptionsSchema.extend({ source: base64, target: base64 }).strict().openapi('VerifyJsonRequest');
export const EmbedJsonSchema = ImageOptionsSchema.extend({ image: base64 }).strict().openapi('EmbedJsonRequest');

const file = z.string().openapi({ type: 'string', format: 'binary' });
const formOptions = {
  faces: FacePolicySchema.optional(), defense: DefenseSchema,
  seed: z.string().optional().openapi({ description: 'Integer seed, as text' }), deterministic: z.enum(['true', 'false']).optional(),
};
export const VerifyFormSchema = z.object({ source: file, target: file, ...formOptions }).openapi('VerifyFormRequest');
export const EmbedFormSchema = z.object({ image: file, ...formOptions }).openapi('EmbedFormRequest');

const Point = z.tuple([z.number(), z.number()]);
export const FaceInfoSchema = z.object({
  box: z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() }).openapi({ description: 'Face box in pixels of the upright (EXIF-rotated) image.' }),
  score: z.number().openapi({ description: 'Detector confidence, 0..1.' }),
  landmarks: z.array(Point).length(5).openapi({ description: 'Left eye, right eye, nose tip, left and right mouth corners (image left/right).' }),
  facesDetected: z.number().int(),
  image: z.object({ width: z.number().int(), height: z.number().int(), format: z.enum(['jpeg', 'png', 'webp']), orientation: z.number().int() }),
}).openapi('FaceInfo');

const StageTimings = z.object({
  decode: z.number(), detect: z.number(), landmarks: z.number(), align: z.number(), project: z.number(), embed: z.number(),
}).openapi('StageTimings', { description: 'Milliseconds per stage.' });

export const DefenseReportSchema = z.object({
  mode: z.enum(DEFENSE_MODES),
  seed: z.number().int().nullable().openapi({ description: 'Seed of the masks (null when deterministic or none).' }),
  deterministic: z.boolean(),
  components: z.number().int().openapi({ description: 'Eigenfaces in the immune space (0 for none).' }),
  componentsKept: z.record(z.string(), z.number().int()).openapi({ description: 'Components kept per image.' }),
}).openapi('DefenseReport');

export const ModelIdsSchema = z.object({ detector: z.string(), landmarks: z.string(), recognizer: z.string(), immuneSpace: z.string(), selector: z.string() }).openapi('ModelIds');

export const VerifyResponseSchema = z.object({
  match: z.boolean(),
  similarity: z.number().openapi({ description: 'Cosine similarity of the two embeddings, -1..1.' }),
  threshold: z.number().openapi({ description: 'Calibrated decision threshold: match iff similarity >= threshold.' }),
  faces: z.object({ source: FaceInfoSchema, target: FaceInfoSchema }),
  models: ModelIdsSchema,
  defense: DefenseReportSchema,
  timings: z.object({ source: StageTimings, target: StageTimings, total: z.number() }),
}).openapi('VerifyResponse');

export const EmbedResponseSchema = z.object({
  embedding: z.array(z.number()).length(512).openapi({ description: 'L2-normalised embedding.' }),
  face: FaceInfoSchema,
  models: ModelIdsSchema,
  defense: DefenseReportSchema,
  timings: z.object({ image: StageTimings, total: z.number() }),
}).openapi('EmbedResponse');

export const ProblemSchema = z.object({
  type: z.string(), title: z.string(), status: z.number().int(), code: z.string(), detail: z.string(), field: z.string().optional(),
}).passthrough().openapi('Problem');
