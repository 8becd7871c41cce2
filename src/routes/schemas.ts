/** @module API schemas: zod schemas that both validate requests and generate /v1/openapi.json. */
import { z } from '@hono/zod-openapi';
import { DEFAULT_FAR, FAR_LEVELS } from '../calibration.ts';
import { DEFENSE_MODES } from '../immune/selectors.ts';

/** An OpenAPI JSON body or response of a schema. */
export const json = <S extends z.ZodType>(schema: S) => ({ content: { 'application/json': { schema } } });

export const FacePolicySchema = z.enum(['largest', 'single']).default('largest').openapi({
  description: 'largest: use the largest face (as AWS CompareFaces does); single: answer 422 multiple_faces unless exactly one face is found.',
});

export const DefenseSchema = z.enum(DEFENSE_MODES).optional().openapi({
  description: 'Input defense before recognition. pin-threshold projects the face onto its immune space (PIN); topk keeps the first eigenfaces (ablation); pin-learned is PIN with the learned selector (npm run train:selector); none skips it. Default: the service default (GET /v1/info). none and topk weaken the defense: 403 forbidden unless the deployment allows them (PINFACE_ALLOW_OPTIONS=defense:none,defense:topk; allowed in open mode, refused by default with keys).',
});

/** Form fields arrive as strings: accept "true"/"false" and digits there, real values in JSON. */
const formBoolean = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);
const formSeed = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]).pipe(z.number().int().min(0).max(4294967295));

/** Options shared by every image endpoint, from form fields or JSON keys. */
export const ImageOptionsSchema = z.object({
  faces: FacePolicySchema,
  defense: DefenseSchema,
  seed: formSeed.optional().openapi({ type: 'integer', description: 'Seed of the Bernoulli component masks, for reproducible answers; random (and returned) when absent. Weakens the defense (a chosen seed removes the randomness of the masks and makes query attacks repeatable): 403 forbidden unless the deployment allows it (PINFACE_ALLOW_OPTIONS=seed; allowed in open mode, refused by default with keys).' }),
  deterministic: formBoolean.default(false).openapi({ type: 'boolean', description: 'Keep components with keep-probability >= 1/2 instead of drawing a random mask. Weakens the defense (no randomness at all): 403 forbidden unless the deployment allows it (PINFACE_ALLOW_OPTIONS=deterministic; allowed in open mode, refused by default with keys).' }),
  aligned: formBoolean.default(false).openapi({ type: 'boolean', description: 'The images are faces already aligned to the 112x112 template (as the crops this API returns): detection and alignment are skipped. Any other size answers 400 invalid_parameters. Weakens the defense (pixel-exact control of what the recognizer sees): 403 forbidden unless the deployment allows it (PINFACE_ALLOW_OPTIONS=aligned; allowed in open mode, refused by default with keys).' }),
  crops: formBoolean.default(false).openapi({ type: 'boolean', description: 'Also return, per face, the aligned 112x112 crop and what the defense hands the recognizer, as base64 8-bit grayscale (returned to you only; never stored). Weakens the defense (a view of what the defense kept): 403 forbidden unless the deployment allows it (PINFACE_ALLOW_OPTIONS=crops; allowed in open mode, refused by default with keys).' }),
  quality: z.enum(['none', 'low', 'medium', 'high']).default('none').openapi({ description: 'Refuse a face below this quality with 422 low_quality and the reasons (face size, sharpness, pose, exposure; thresholds in the README). none (default) only reports the signals.' }),
}).strict();

/** A calibrated false-accept level, as a number or its text ("1e-3", "0.001"); anything else is a 400 naming the levels. */
const formFar = z.union([z.number(), z.string().regex(/^[0-9.eE+-]+$/).transform(Number)])
  .pipe(z.number().refine((v) => FAR_LEVELS.some((l) => Math.abs(v - l) <= l * 1e-9), { message: `must be one of the calibrated false-accept levels: ${FAR_LEVELS.join(', ')}` }))
  .transform((v) => FAR_LEVELS.find((l) => Math.abs(v - l) <= l * 1e-9) as number);
const formThreshold = z.union([z.number(), z.string().regex(/^-?[0-9.eE+-]+$/).transform(Number)]).pipe(z.number().min(-1).max(1));

/** Options of the routes that decide (verify, subject verify, search), on top of the image options. */
export const DecisionOptionsSchema = ImageOptionsSchema.extend({
  far: formFar.optional().openapi({ type: 'number', enum: [...FAR_LEVELS], description: `False-accept rate the decision is made at: one of the calibrated levels (${FAR_LEVELS.join(', ')}), default ${DEFAULT_FAR}. The threshold for it was calibrated per defense mode on millions of impostor pairs (npm run calibrate; GET /v1/info lists them with their intervals). A level above the deployment's default weakens the decision: 403 unless the deployment allows it (PINFACE_ALLOW_OPTIONS=far).` }),
  threshold: formThreshold.optional().openapi({ type: 'number', description: 'An explicit cosine threshold, for experts, instead of a calibrated level: its false-accept rate is whatever it is. 403 unless the deployment allows it (PINFACE_ALLOW_OPTIONS=threshold; allowed in open mode).' }),
}).strict();

const base64 = z.string().min(1).openapi({ description: 'Image bytes as base64 (a data: URL prefix is accepted).' });

export const VerifyJsonSchema = DecisionOptionsSchema.extend({ source: base64, target: base64 }).strict().openapi('VerifyJsonRequest');
export const EmbedJsonSchema = ImageOptionsSchema.extend({ image: base64 }).strict().openapi('EmbedJsonRequest');
export const ProbeJsonSchema = DecisionOptionsSchema.extend({ image: base64 }).strict().openapi('ProbeJsonRequest');

/** What a route reads: the JSON body's schema, and the options' schema for either body type. */
export interface RequestSchemas { json: z.ZodType; options: typeof ImageOptionsSchema | typeof DecisionOptionsSchema }
export const verifyRequest: RequestSchemas = { json: VerifyJsonSchema, options: DecisionOptionsSchema };
export const embedRequest: RequestSchemas = { json: EmbedJsonSchema, options: ImageOptionsSchema };
export const probeRequest: RequestSchemas = { json: ProbeJsonSchema, options: DecisionOptionsSchema };

const file = z.string().openapi({ type: 'string', format: 'binary' });
const formOptions = {
  faces: FacePolicySchema.optional(), defense: DefenseSchema,
  seed: z.string().optional().openapi({ description: 'Integer seed, as text' }), deterministic: z.enum(['true', 'false']).optional(),
  aligned: z.enum(['true', 'false']).optional(), crops: z.enum(['true', 'false']).optional(),
  quality: z.enum(['none', 'low', 'medium', 'high']).optional(),
};
const decisionFormOptions = { ...formOptions, far: z.string().optional().openapi({ description: `One of ${FAR_LEVELS.join(', ')}, as text` }), threshold: z.string().optional().openapi({ description: 'Cosine threshold, as text' }) };
export const VerifyFormSchema = z.object({ source: file, target: file, ...decisionFormOptions }).openapi('VerifyFormRequest');
export const EmbedFormSchema = z.object({ image: file, ...formOptions }).openapi('EmbedFormRequest');
export const ProbeFormSchema = z.object({ image: file, ...decisionFormOptions }).openapi('ProbeFormRequest');

const Point = z.tuple([z.number(), z.number()]);
export const FaceInfoSchema = z.object({
  box: z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() }).openapi({ description: 'Face box in pixels of the upright (EXIF-rotated) image.' }),
  score: z.number().openapi({ description: 'Detector confidence, 0..1.' }),
  landmarks: z.array(Point).length(5).openapi({ description: 'Left eye, right eye, nose tip, left and right mouth corners (image left/right).' }),
  facesDetected: z.number().int(),
  image: z.object({ width: z.number().int(), height: z.number().int(), format: z.enum(['jpeg', 'png', 'webp']), orientation: z.number().int(), scale: z.number().int() }),
  quality: z.object({
    faceSize: z.number(), sharpness: z.number(), yaw: z.number(), pitch: z.number(), roll: z.number(), brightness: z.number(), clipped: z.number(), featureNorm: z.number(),
  }).openapi({ description: 'Face size (px of the photo), sharpness (variance of the Laplacian of the aligned crop), pose in degrees from the landmarks, brightness (0-255), the share of blown-out pixels (>= 250), and the recognizer\'s feature length before normalisation (short for faces it finds hard).' }),
  crops: z.object({
    size: z.number().int(),
    aligned: z.string().openapi({ description: 'The aligned face, size x size 8-bit gray, row-major, base64.' }),
    projected: z.string().openapi({ description: 'What the defense hands the recognizer (the immune-space reconstruction for PIN), same format.' }),
  }).optional().openapi({ description: 'Only with crops=true.' }),
}).openapi('FaceInfo');

const StageTimings = z.object({
  decode: z.number(), detect: z.number(), refine: z.number(), landmarks: z.number(), align: z.number(), project: z.number(), embed: z.number(),
}).openapi('StageTimings', { description: 'Milliseconds per stage.' });

export const DefenseReportSchema = z.object({
  mode: z.enum(DEFENSE_MODES),
  seed: z.number().int().nullable().openapi({ description: 'Seed of the masks (null when deterministic or none).' }),
  deterministic: z.boolean(),
  components: z.number().int().openapi({ description: 'Eigenfaces in the immune space (0 for none).' }),
  componentsKept: z.record(z.string(), z.number().int()).openapi({ description: 'Components kept per image.' }),
}).openapi('DefenseReport');

export const ModelIdsSchema = z.object({ detector: z.string(), landmarks: z.string(), recognizer: z.string(), immuneSpace: z.string(), selector: z.string() }).openapi('ModelIds');

/** How a decision was made: the threshold, and the calibrated false-accept level it stands for. */
const DecisionFields = {
  threshold: z.number().openapi({ description: 'Decision threshold: match iff similarity >= threshold.' }),
  far: z.number().nullable().openapi({ description: 'The calibrated false-accept level the threshold stands for; null when the threshold was set explicitly (by the request or the deployment).' }),
  thresholdSource: z.enum(['calibrated', 'request', 'deployment']).openapi({ description: 'calibrated: npm run calibrate for this defense mode and far; request: the threshold option; deployment: createApp({ threshold }).' }),
};

export const VerifyResponseSchema = z.object({
  match: z.boolean(),
  similarity: z.number().openapi({ description: 'Cosine similarity of the two embeddings, -1..1.' }),
  ...DecisionFields,
  faces: z.object({ source: FaceInfoSchema, target: FaceInfoSchema }),
  models: ModelIdsSchema,
  defense: DefenseReportSchema,
  timings: z.object({ source: StageTimings, target: StageTimings, decide: z.number(), total: z.number() }),
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

// Subjects, templates and keys (src/routes/subjects.ts, keys.ts).

export const SubjectSchema = z.object({
  id: z.string(), label: z.string().nullable(), createdAt: z.string().openapi({ format: 'date-time' }),
}).openapi('Subject');

export const CreateSubjectSchema = z.object({
  label: z.string().max(200).nullable().optional().openapi({ description: 'Your own reference (an account id); do not put personal data here you would not store anyway.' }),
}).strict().openapi('CreateSubjectRequest');

export const TemplateSchema = z.object({
  id: z.string(),
  version: z.string().openapi({ description: 'Recognizer and defense that made the embedding; only probes of the same version are compared with it.' }),
  box: z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() }),
  score: z.number(),
  createdAt: z.string().openapi({ format: 'date-time' }),
}).openapi('Template', { description: 'An enrolled face: its embedding stays on the server (never returned), the photo is not kept at all.' });

export const SubjectDetailSchema = SubjectSchema.extend({ faces: z.array(TemplateSchema) }).openapi('SubjectDetail');
export const SubjectPageSchema = z.object({ subjects: z.array(SubjectSchema), cursor: z.string().nullable() }).openapi('SubjectPage');

export const ListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(100).optional(),
}).strict();

export const SubjectVerifyQuerySchema = z.object({
  aggregate: z.enum(['best', 'mean']).default('best').openapi({ description: 'best: the highest similarity over the subject\'s templates; mean: their average.' }),
}).strict();

export const SearchQuerySchema = z.object({
  topK: z.coerce.number().int().min(1).max(50).default(5),
}).strict();

export const EnrollResponseSchema = z.object({
  subject: SubjectSchema, template: TemplateSchema, face: FaceInfoSchema, models: ModelIdsSchema, defense: DefenseReportSchema,
  timings: z.object({ image: StageTimings, total: z.number() }),
}).openapi('EnrollResponse');

export const SubjectVerifyResponseSchema = z.object({
  match: z.boolean(), similarity: z.number(), ...DecisionFields, aggregate: z.enum(['best', 'mean']),
  templates: z.number().int().openapi({ description: 'Templates of this version compared.' }),
  subject: SubjectSchema, face: FaceInfoSchema, models: ModelIdsSchema, defense: DefenseReportSchema,
  timings: z.object({ image: StageTimings, total: z.number() }),
}).openapi('SubjectVerifyResponse');

export const SearchResponseSchema = z.object({
  results: z.array(z.object({ subject: SubjectSchema, similarity: z.number(), match: z.boolean(), templates: z.number().int() })),
  ...DecisionFields, searched: z.object({ subjects: z.number().int(), templates: z.number().int() }),
  face: FaceInfoSchema, models: ModelIdsSchema, defense: DefenseReportSchema,
  timings: z.object({ image: StageTimings, total: z.number() }),
}).openapi('SearchResponse');

export const KeySchema = z.object({
  id: z.string(), tenant: z.string(), createdAt: z.string(), revokedAt: z.string().nullable(),
}).openapi('ApiKey', { description: 'A key as stored: its hash is never shown.' });
export const IssuedKeySchema = KeySchema.extend({
  token: z.string().openapi({ description: 'The bearer token. Shown once: store it now; pinface keeps only its SHA-256.' }),
}).openapi('IssuedKey');
export const AdminKeyRequestSchema = z.object({
  tenant: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).openapi({ description: 'Tenant id: letters, digits, _ and -, at most 64.' }),
}).strict().openapi('AdminKeyRequest');
