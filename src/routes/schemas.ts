/** @module API schemas: zod schemas that both validate requests and generate /v1/openapi.json. */
import { z } from '@hono/zod-openapi';

export const FacePolicySchema = z.enum(['largest', 'single']).default('largest').openapi({
  description: 'largest: use the largest face (as AWS CompareFaces does); single: answer 422 multiple_faces unless exactly one face is found.',
});

/** Options shared by every image endpoint, from form fields or JSON keys. */
export const ImageOptionsSchema = z.object({ faces: FacePolicySchema }).strict();

const base64 = z.string().min(1).openapi({ description: 'Image bytes as base64 (a data: URL prefix is accepted).' });

export const VerifyJsonSchema = ImageOptionsSchema.extend({ source: base64, target: base64 }).strict().openapi('VerifyJsonRequest');
export const EmbedJsonSchema = ImageOptionsSchema.extend({ image: base64 }).strict().openapi('EmbedJsonRequest');

const file = z.string().openapi({ type: 'string', format: 'binary' });
export const VerifyFormSchema = z.object({ source: file, target: file, faces: FacePolicySchema.optional() }).openapi('VerifyFormRequest');
export const EmbedFormSchema = z.object({ image: file, faces: FacePolicySchema.optional() }).openapi('EmbedFormRequest');

const Point = z.tuple([z.number(), z.number()]);
export const FaceInfoSchema = z.object({
  box: z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() }).openapi({ description: 'Face box in pixels of the upright (EXIF-rotated) image.' }),
  score: z.number().openapi({ description: 'Detector confidence, 0..1.' }),
  landmarks: z.array(Point).length(5).openapi({ description: 'Left eye, right eye, nose tip, left and right mouth corners (image left/right).' }),
  facesDetected: z.number().int(),
  image: z.object({ width: z.number().int(), height: z.number().int(), format: z.enum(['jpeg', 'png', 'webp']), orientation: z.number().int() }),
}).openapi('FaceInfo');

const StageTimings = z.object({
  decode: z.number(), detect: z.number(), landmarks: z.number(), align: z.number(), embed: z.number(),
}).openapi('StageTimings', { description: 'Milliseconds per stage.' });

export const ModelIdsSchema = z.object({ detector: z.string(), landmarks: z.string(), recognizer: z.string() }).openapi('ModelIds');

export const VerifyResponseSchema = z.object({
  match: z.boolean(),
  similarity: z.number().openapi({ description: 'Cosine similarity of the two embeddings, -1..1.' }),
  threshold: z.number().openapi({ description: 'Calibrated decision threshold: match iff similarity >= threshold.' }),
  faces: z.object({ source: FaceInfoSchema, target: FaceInfoSchema }),
  models: ModelIdsSchema,
  timings: z.object({ source: StageTimings, target: StageTimings, total: z.number() }),
}).openapi('VerifyResponse');

export const EmbedResponseSchema = z.object({
  embedding: z.array(z.number()).length(512).openapi({ description: 'L2-normalised embedding.' }),
  face: FaceInfoSchema,
  models: ModelIdsSchema,
  timings: z.object({ image: StageTimings, total: z.number() }),
}).openapi('EmbedResponse');

export const ProblemSchema = z.object({
  type: z.string(), title: z.string(), status: z.number().int(), code: z.string(), detail: z.string(), field: z.string().optional(),
}).passthrough().openapi('Problem');
