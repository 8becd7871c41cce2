/** @module Meta routes: GET /v1/health, GET /v1/info and the OpenAPI document. */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import manifest from '../../models/manifest.json' with { type: 'json' };
import { allowedOptions, securityFromVars, type PinfaceConfig } from '../config.ts';
import type { PinfaceEnv } from '../env.ts';
import { CHANNEL_LAYOUT } from '../analyze.ts';
import { modelIds, recognizerIds } from '../versions.ts';
import { calibratedThreshold } from '../calibration.ts';
import { decoderHeapBytes } from '../wasm/codecs.ts';
import { kernelHeapBytes } from '../wasm/kernel.ts';
import { onnxHeapBytes } from '../wasm/onnx.ts';
import { engineStartup } from '../engine.ts';

export const VERSION = '0.1.0';

const InfoSchema = z.object({
  name: z.literal('pinface'), version: z.string(), runtime: z.string(),
  models: z.record(z.string(), z.object({ id: z.string(), file: z.string(), sha256: z.string(), usedBy: z.string().optional() })).openapi({ description: 'The networks by role: detect, landmark, feature (the shipped recognizer, defense none) and featurePin (the projection-aware recognizer every projecting mode embeds with, when the build has one).' }),
  source: z.object({ package: z.string(), license: z.string() }),
  threshold: z.number().openapi({ description: 'Threshold of the default defense mode.' }), calibration: z.record(z.string(), z.unknown()),
  defense: z.object({ mode: z.string(), topk: z.number().optional(), lambda: z.number(), noise: z.number() }),
  space: z.object({ file: z.string(), sha256: z.string(), format: z.string(), k: z.number() }),
  selector: z.object({ file: z.string(), sha256: z.string(), hidden: z.number(), lambda: z.number() }).openapi({ description: 'The learned selector behind defense pin-learned (npm run train:selector).' }),
  preprocessing: z.object({ alignment: z.string(), channels: z.string() }),
  limits: z.object({ maxImageBytes: z.number(), maxBodyBytes: z.number(), maxPixels: z.number(), reducedScaleAbove: z.number(), maxJpegPixels: z.number(), maxSide: z.number() }),
  auth: z.enum(['keys', 'open']).openapi({ description: 'keys: face, subject and key routes need "Authorization: Bearer <key>"; open: a local demo without keys.' }),
  allowedOptions: z.array(z.string()).openapi({ description: 'Request options that weaken the defense which this deployment lets callers use (PINFACE_ALLOW_OPTIONS); any other answers 403.' }),
  memory: z.object({
    onnxWasmHeapBytes: z.number().int().openapi({ description: 'onnxruntime wasm linear memory; 0 before the first face request loads the models.' }),
    kernelWasmBytes: z.number().int().openapi({ description: 'Projection kernel linear memory (the immune-space basis and scratch); 0 before the first face request.' }),
    decoderWasmBytes: z.number().int().openapi({ description: 'Linear memory of the warm image decoder instances.' }),
  }).openapi({ description: 'The isolate\'s WebAssembly memories; the JS heap and ArrayBuffers (models, space) come on top.' }),
  startup: z.object({ runtimeAndDetector: z.number(), landmark: z.number(), recognizer: z.number(), space: z.number(), total: z.number() }).nullable().openapi({
    description: 'The isolate\'s engine start-up in ms by part (null before the first face request): onnxruntime with the detector session, the landmark and recognizer sessions, the immune space into the kernel.',
  }),
}).openapi('Info');

export function registerMetaRoutes(app: OpenAPIHono<PinfaceEnv>, config: PinfaceConfig, runtime: string): void {
  app.openapi(
    createRoute({ method: 'get', path: '/v1/health', summary: 'Liveness', responses: { 200: { description: 'ok', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } } } }),
    (c) => c.json({ status: 'ok' as const }, 200),
  );
  app.openapi(
    createRoute({ method: 'get', path: '/v1/info', summary: 'Models, checksums, threshold, limits, runtime', responses: { 200: { description: 'info', content: { 'application/json': { schema: InfoSchema } } } } }),
    (c) => {
      const security = securityFromVars(config.security, c.env);
      const files = manifest.models;
      const pin = (manifest as { pinRecognizer?: { file: string; sha256: string } }).pinRecognizer;
      const models = {
        detect: { id: modelIds.detector, file: files.detect.file, sha256: files.detect.sha256 },
        landmark: { id: modelIds.landmarks, file: files.landmark.file, sha256: files.landmark.sha256 },
        feature: { id: recognizerIds.none, file: files.feature.file, sha256: files.feature.sha256, usedBy: pin ? 'none' : 'every mode' },
        ...(pin ? { featurePin: { id: recognizerIds.projecting, file: pin.file, sha256: pin.sha256, usedBy: 'topk, pin-threshold, pin-learned' } } : {}),
      };
      return c.json({
        name: 'pinface' as const, version: VERSION, runtime, models,
        source: { package: manifest.source.package, license: manifest.source.license },
        threshold: config.threshold ?? calibratedThreshold(config.defense.mode, config.far), calibration: manifest.calibration,
        defense: config.defense, space: { file: manifest.space.file, sha256: manifest.space.sha256, format: manifest.space.format, k: manifest.space.k },
        selector: { file: manifest.selector.file, sha256: manifest.selector.sha256, hidden: manifest.selector.hidden, lambda: manifest.selector.lambda },
        preprocessing: { alignment: '5-point similarity to the ArcFace 112x112 template', channels: CHANNEL_LAYOUT },
        limits: config.limits,
        auth: security.auth, allowedOptions: [...allowedOptions(security)],
        memory: { onnxWasmHeapBytes: onnxHeapBytes(), kernelWasmBytes: kernelHeapBytes(), decoderWasmBytes: decoderHeapBytes() },
        startup: engineStartup() ?? null,
      }, 200);
    },
  );
  app.doc31('/v1/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'pinface', version: VERSION, description: 'Face verification at the edge. Errors are RFC 9457 problem+json with a stable `code`.' },
  });
}
