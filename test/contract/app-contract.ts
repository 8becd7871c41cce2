/**
 * The one contract every runtime must pass (unstorage's testDriver pattern): the same requests
 * against in-process Node, workerd and Deno. `target.fetch` takes a path and RequestInit.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import manifest from '../../models/manifest.json' with { type: 'json' };
import { blurredPhoto, largeFacePhoto } from '../helpers/large-photo.ts';
import { bad, faces, toBase64 } from './fixtures.ts';
import { recognizerFile, referenceEmbedding } from './reference-embedding.ts';

const sha12 = (file: string): string => (file === manifest.models.feature.file ? manifest.models.feature.sha256 : (manifest as unknown as { pinRecognizer: { sha256: string } }).pinRecognizer.sha256).slice(0, 12);

/** The threshold npm run calibrate wrote for a defense mode and false-accept level. */
export const thresholdOf = (mode: string, far = 1e-3): number =>
  (manifest.calibration.modes as Record<string, { thresholds: { far: number; threshold: number }[] }>)[mode]?.thresholds.find((l) => l.far === far)?.threshold ?? NaN;

/** A JSON answer read field by field. */
// biome-ignore lint/suspicious/noExplicitAny: tests read nested JSON whose shape the assertions themselves check
export type Json = Record<string, any>;

export interface ContractTarget {
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

/** The operator secret every contract server is started with (PINFACE_ADMIN_TOKEN). */
export const TEST_ADMIN_TOKEN = 'pinface-contract-admin-token-0123456789';

/** A new API key for a tenant, through the admin route, as an operator would issue it. */
export async function mintKey(target: ContractTarget, tenant: string): Promise<{ id: string; token: string }> {
  const res = await target.fetch('/v1/admin/keys', {
    method: 'POST', body: JSON.stringify({ tenant }),
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
  });
  const body = (await res.json()) as { id: string; token: string };
  if (res.status !== 201) throw new Error(`minting a key failed: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** The target with a bearer token on every request. */
export const withKey = (target: ContractTarget, token: string): ContractTarget => ({
  fetch: (path, init = {}) => target.fetch(path, { ...init, headers: { ...(init.headers as Record<string, string> | undefined), authorization: `Bearer ${token}` } }),
});

/** A tenant of its own with a fresh key (its own rate-limit budget), for one describe block. */
export function keyedTarget(getTarget: () => ContractTarget, tenant: string): () => ContractTarget {
  let keyed: ContractTarget | undefined;
  beforeAll(async () => {
    keyed = withKey(getTarget(), (await mintKey(getTarget(), tenant)).token);
  });
  return () => {
    if (!keyed) throw new Error('no key yet: keyedTarget must be called inside a describe');
    return keyed;
  };
}

export const form = (parts: Record<string, Uint8Array<ArrayBuffer> | string>): FormData => {
  const f = new FormData();
  for (const [k, v] of Object.entries(parts)) {
    if (typeof v === 'string') f.append(k, v);
    else f.append(k, new Blob([v]), `${k}.bin`);
  }
  return f;
};

export const post = (target: ContractTarget, path: string, body: FormData | object | string | Uint8Array<ArrayBuffer>, type?: string) => {
  const init: RequestInit = { method: 'POST' };
  if (body instanceof FormData) init.body = body;
  else if (typeof body === 'string' || body instanceof Uint8Array) {
    init.body = body;
    init.headers = { 'content-type': type ?? 'text/plain' };
  } else {
    init.body = JSON.stringify(body);
    init.headers = { 'content-type': 'application/json' };
  }
  return target.fetch(path, init);
};

export const expectProblem = async (res: Response, status: number, code: string, field?: string) => {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  const p = JSON.parse(text) as Record<string, unknown>;
  expect(p.code).toBe(code);
  expect(p.status).toBe(status);
  expect(typeof p.detail).toBe('string');
  if (field !== undefined) expect(p.field).toBe(field);
};

/** The bad-input table: every row must be a 4xx problem+json, never a 500 or a crash. */
export const badInputs: { name: string; body: () => FormData | object | string | Uint8Array<ArrayBuffer>; type?: string; status: number; code: string; field?: string }[] = [
  { name: 'truncated JPEG', body: () => form({ source: bad.truncatedJpeg, target: faces.a1 }), status: 422, code: 'corrupt_image', field: 'source' },
  { name: 'PNG bomb header (100000x100000)', body: () => form({ source: faces.a1, target: bad.pngBomb }), status: 413, code: 'too_many_pixels', field: 'target' },
  { name: 'GIF', body: () => form({ source: bad.gif, target: faces.a1 }), status: 415, code: 'unsupported_media_type', field: 'source' },
  { name: 'zero bytes', body: () => form({ source: bad.zero, target: faces.a1 }), status: 422, code: 'corrupt_image', field: 'source' },
  { name: '50 MB body', body: () => form({ source: new Uint8Array(50 * 1024 * 1024), target: faces.a1 }), status: 413, code: 'payload_too_large' },
  { name: '20000x20000 JPEG header', body: () => form({ source: bad.hugeHeader, target: faces.a1 }), status: 413, code: 'too_many_pixels', field: 'source' },
  { name: 'text/plain body', body: () => 'hello', type: 'text/plain', status: 415, code: 'unsupported_media_type' },
  { name: 'image as raw body', body: () => faces.a1, type: 'image/jpeg', status: 415, code: 'unsupported_media_type' },
  { name: 'text file in an image field', body: () => form({ source: bad.text, target: faces.a1 }), status: 415, code: 'unsupported_media_type', field: 'source' },
  { name: 'missing field', body: () => form({ source: faces.a1 }), status: 400, code: 'invalid_parameters', field: 'target' },
  { name: 'text instead of a file', body: () => form({ source: 'abc', target: faces.a1 }), status: 400, code: 'invalid_parameters', field: 'source' },
  { name: 'no face', body: () => form({ source: faces.a1, target: bad.noFace }), status: 422, code: 'no_face', field: 'target' },
  { name: 'several faces with faces=single', body: () => form({ source: faces.two, target: faces.a1, faces: 'single' }), status: 422, code: 'multiple_faces', field: 'source' },
  { name: 'unknown faces option', body: () => form({ source: faces.a1, target: faces.a2, faces: 'all' }), status: 400, code: 'invalid_parameters', field: 'faces' },
  { name: 'malformed JSON', body: () => '{"source":', type: 'application/json', status: 400, code: 'invalid_parameters' },
  { name: 'JSON missing target', body: () => ({ source: toBase64(faces.a1) }), status: 400, code: 'invalid_parameters', field: 'target' },
  { name: 'JSON bad base64', body: () => ({ source: '%%%not-base64%%%', target: toBase64(faces.a1) }), status: 400, code: 'invalid_parameters', field: 'source' },
  { name: 'unknown defense', body: () => form({ source: faces.a1, target: faces.a2, defense: 'magic' }), status: 400, code: 'invalid_parameters', field: 'defense' },
  { name: 'unknown defense', body: () => form({ source: faces.a1, target: faces.a2, defense: 'pin-bogus' }), status: 400, code: 'invalid_parameters', field: 'defense' },
  { name: 'seed not an integer', body: () => form({ source: faces.a1, target: faces.a2, seed: '-3' }), status: 400, code: 'invalid_parameters', field: 'seed' },
  { name: 'JSON seed out of range', body: () => ({ source: toBase64(faces.a1), target: toBase64(faces.a2), seed: 2 ** 32 }), status: 400, code: 'invalid_parameters', field: 'seed' },
  { name: 'aligned=true with a photo that is not a 112x112 crop', body: () => form({ source: faces.a1, target: faces.alignedA2, aligned: 'true' }), status: 400, code: 'invalid_parameters', field: 'aligned' },
  { name: 'crops not a boolean', body: () => form({ source: faces.a1, target: faces.a2, crops: 'yes' }), status: 400, code: 'invalid_parameters', field: 'crops' },
  { name: 'far not a calibrated level', body: () => form({ source: faces.a1, target: faces.a2, far: '0.5' }), status: 400, code: 'invalid_parameters', field: 'far' },
  { name: 'far not a number', body: () => form({ source: faces.a1, target: faces.a2, far: 'strict' }), status: 400, code: 'invalid_parameters', field: 'far' },
  { name: 'JSON far between levels', body: () => ({ source: toBase64(faces.a1), target: toBase64(faces.a2), far: 0.002 }), status: 400, code: 'invalid_parameters', field: 'far' },
  { name: 'threshold above 1', body: () => form({ source: faces.a1, target: faces.a2, threshold: '1.5' }), status: 400, code: 'invalid_parameters', field: 'threshold' },
  { name: 'unknown quality level', body: () => form({ source: faces.a1, target: faces.a2, quality: 'ultra' }), status: 400, code: 'invalid_parameters', field: 'quality' },
  { name: 'JSON unknown key', body: () => ({ source: toBase64(faces.a1), target: toBase64(faces.a2), extra: 1 }), status: 400, code: 'invalid_parameters' },
];

export function appContract(name: string, getServer: () => ContractTarget): void {
  describe(`app contract: ${name}`, () => {
    // Health, info and the OpenAPI document are public; everything else is called with a key.
    const getTarget = keyedTarget(getServer, 'contract');
    it('answers health', async () => {
      const res = await getServer().fetch('/v1/health');
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ok' });
    });

    it('reports models, checksums, threshold and runtime', async () => {
      const info = (await (await getServer().fetch('/v1/info')).json()) as Json;
      expect(info.models.feature.sha256).toBe(manifest.models.feature.sha256);
      const pin = (manifest as { pinRecognizer?: { sha256: string } }).pinRecognizer;
      if (pin) expect(info.models.featurePin).toMatchObject({ sha256: pin.sha256, usedBy: 'topk, pin-threshold, pin-learned' });
      expect(info.models.detect.sha256).toBe(manifest.models.detect.sha256);
      expect(info.threshold).toBe(thresholdOf(info.defense.mode));
      expect(info.space.sha256).toBe(manifest.space.sha256);
      expect(String(info.runtime)).toContain(name);
    });

    it('serves an OpenAPI 3.1 document', async () => {
      const doc = (await (await getServer().fetch('/v1/openapi.json')).json()) as Json;
      expect(doc.openapi).toBe('3.1.0');
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/verify', '/v1/embed', '/v1/health', '/v1/info']));
    });

    it('matches two photos of one person (multipart)', async () => {
      const res = await post(getTarget(), '/v1/verify', form({ source: faces.a1, target: faces.a2 }));
      const body = (await res.json()) as Json;
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(body.match).toBe(true);
      expect(body.similarity).toBeGreaterThanOrEqual(body.threshold);
      expect(body.threshold).toBe(thresholdOf(body.defense.mode));
      expect(body.faces.source.landmarks).toHaveLength(5);
      expect(body.faces.source.facesDetected).toBe(1);
      expect(body.models.recognizer).toBe(`${recognizerFile(body.defense.mode).replace('.onnx', '')}@${sha12(recognizerFile(body.defense.mode))}`);
      for (const stage of ['decode', 'detect', 'refine', 'landmarks', 'align', 'project', 'embed']) expect(body.timings.source[stage]).toBeGreaterThanOrEqual(0);
      expect(body.timings.decide).toBeGreaterThanOrEqual(0);
      expect(body.timings.total).toBeGreaterThanOrEqual(body.timings.decide);
    });

    it('serves the same networks as the reference pipeline: each mode embeds with its own recognizer', async () => {
      for (const mode of ['pin-threshold', 'none'] as const) {
        const res = await post(getTarget(), '/v1/embed', form({ image: faces.alignedA1, aligned: 'true', defense: mode, seed: '7' }));
        const body = (await res.json()) as Json;
        expect(res.status, JSON.stringify(body)).toBe(200);
        expect(body.models.recognizer).toBe(`${recognizerFile(mode).replace('.onnx', '')}@${sha12(recognizerFile(mode))}`);
        const ref = await referenceEmbedding(faces.alignedA1, mode, 7);
        const cos = (body.embedding as number[]).reduce((s, v, i) => s + v * (ref[i] as number), 0);
        expect(cos, mode).toBeGreaterThan(0.9999);
      }
    });

    describe('camera-sized JPEGs, decoded at reduced scale', () => {
      // 48 MP baseline with a large face; 12 MP progressive, stored turned (EXIF 6), face small
      // enough at 1/4 that its region is decoded again at 1/2.
      let photo48: Uint8Array<ArrayBuffer>;
      let photo12: Uint8Array<ArrayBuffer>;
      beforeAll(async () => {
        photo48 = await largeFacePhoto({ width: 8000, height: 6000, face: faces.a1, faceWidth: 1600 });
        photo12 = await largeFacePhoto({ width: 4000, height: 3000, face: faces.a1, faceWidth: 600, progressive: true, orientation: 6 });
      });

      it('verifies a 48-megapixel baseline JPEG, box in the photo\'s own pixels', async () => {
        const res = await post(getTarget(), '/v1/verify', form({ source: photo48, target: faces.a2 }));
        const body = (await res.json()) as Json;
        expect(res.status, JSON.stringify(body)).toBe(200);
        expect(body.match).toBe(true);
        expect(body.faces.source.image).toEqual({ width: 8000, height: 6000, format: 'jpeg', orientation: 1, scale: 8 });
        const { x, y, width } = body.faces.source.box;
        // The face is drawn 1600 px wide at the centre; the detector's box covers its inner part.
        expect(width).toBeGreaterThan(600);
        expect(Math.abs(x + width / 2 - 4000)).toBeLessThan(300);
        expect(y).toBeGreaterThan(2000);
      });

      it('verifies a 12-megapixel progressive JPEG stored turned, refining the small face', async () => {
        const res = await post(getTarget(), '/v1/verify', form({ source: photo12, target: faces.a2 }));
        const body = (await res.json()) as Json;
        expect(res.status, JSON.stringify(body)).toBe(200);
        expect(body.match).toBe(true);
        expect(body.faces.source.image).toEqual({ width: 4000, height: 3000, format: 'jpeg', orientation: 6, scale: 4 });
        expect(body.timings.source.refine).toBeGreaterThan(0);
        const [[lx, ly], [rx, ry]] = body.faces.source.landmarks;
        // Upright: the eyes side by side, left of the nose's centre line on the left.
        expect(Math.abs(ly - ry)).toBeLessThan(Math.abs(lx - rx));
        expect(lx).toBeLessThan(rx);
      });

      it('answers 4xx for a truncated or damaged large JPEG', async () => {
        const truncated = photo12.slice(0, Math.floor(photo12.length * 0.6));
        const damaged = photo48.slice();
        // Markers in the middle of the entropy-coded data: the stream ends early or reads garbage.
        for (let i = 0; i < 64; i++) damaged.set([0xff, 0xd0 + (i % 10)], Math.floor(damaged.length * (0.3 + i / 200)));
        for (const [name, bytes] of [['truncated', truncated], ['damaged', damaged]] as const) {
          const res = await post(getTarget(), '/v1/verify', form({ source: bytes, target: faces.a2 }));
          if (name === 'truncated') expect(res.status, name).toBe(422);
          expect(res.status, name).toBeLessThan(500);
          if (res.status !== 200) {
            expect(res.headers.get('content-type'), name).toContain('application/problem+json');
            expect(((await res.json()) as Json).code, name).toMatch(/^(corrupt_image|no_face)$/);
          } else await res.body?.cancel();
        }
      });
    });

    describe('quality signals and the quality option', () => {
      let blurry: Uint8Array<ArrayBuffer>;
      beforeAll(async () => {
        blurry = await blurredPhoto(faces.a1, 6);
      });

      it('reports the signals per face and lets a good face through every level up to medium', async () => {
        for (const quality of ['none', 'low', 'medium']) {
          const res = await post(getTarget(), '/v1/verify', form({ source: faces.a1, target: faces.a2, quality }));
          const body = (await res.json()) as Json;
          expect(res.status, `${quality}: ${JSON.stringify(body)}`).toBe(200);
          const q = body.faces.source.quality;
          expect(Object.keys(q).sort()).toEqual(['brightness', 'clipped', 'faceSize', 'featureNorm', 'pitch', 'roll', 'sharpness', 'yaw']);
          expect(q.faceSize).toBeGreaterThan(80);
          expect(Math.abs(q.yaw)).toBeLessThan(30);
        }
      });

      it('refuses a blurred face with 422 low_quality naming the reason, and only when asked', async () => {
        const plain = (await (await post(getTarget(), '/v1/embed', form({ image: blurry }))).json()) as Json;
        expect(plain.face.quality.sharpness).toBeLessThan(10);
        const res = await post(getTarget(), '/v1/verify', form({ source: faces.a1, target: blurry, quality: 'medium' }));
        expect(res.status).toBe(422);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        const problem = (await res.json()) as Json;
        expect(problem).toMatchObject({ code: 'low_quality', field: 'target', level: 'medium' });
        expect(problem.reasons).toContain('blurry');
      });
    });

    it('rejects two different people (JSON base64)', async () => {
      const res = await post(getTarget(), '/v1/verify', { source: toBase64(faces.a1), target: toBase64(faces.b1) });
      const body = (await res.json()) as Json;
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(body.match).toBe(false);
      expect(body.similarity).toBeLessThan(body.threshold);
    });

    it('uses the largest face by default when there are several', async () => {
      const res = await post(getTarget(), '/v1/verify', form({ source: faces.two, target: faces.a1 }));
      const body = (await res.json()) as Json;
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(body.faces.source.facesDetected).toBeGreaterThanOrEqual(2);
    });

    it('embeds one face into a unit 512-d vector', async () => {
      const res = await post(getTarget(), '/v1/embed', form({ image: faces.b1 }));
      const body = (await res.json()) as { embedding: number[] };
      expect(res.status).toBe(200);
      expect(body.embedding).toHaveLength(512);
      expect(Math.hypot(...body.embedding)).toBeCloseTo(1, 4);
    });

    describe('defense modes', () => {
      const verify = async (options: Record<string, string>, pair = { source: faces.a1, target: faces.a2 }) => {
        const res = await post(getTarget(), '/v1/verify', form({ ...pair, ...options }));
        const body = (await res.json()) as Json;
        expect(res.status, JSON.stringify(body)).toBe(200);
        return body;
      };
      const k = manifest.space.k;

      it('none: no projection, its own threshold', async () => {
        const body = await verify({ defense: 'none' });
        expect(body.defense).toMatchObject({ mode: 'none', seed: null, components: 0, componentsKept: { source: 0, target: 0 } });
        expect(body.threshold).toBe(thresholdOf('none'));
        expect(body.match).toBe(true);
      });

      it('topk: every component kept, deterministic', async () => {
        const body = await verify({ defense: 'topk' });
        expect(body.defense).toMatchObject({ mode: 'topk', seed: null, components: k, componentsKept: { source: k, target: k } });
        expect(body.threshold).toBe(thresholdOf('topk'));
        expect(body.match).toBe(true);
        expect((await verify({ defense: 'topk' })).similarity).toBe(body.similarity);
      });

      for (const mode of ['pin-threshold', 'pin-learned'] as const) {
        it(`${mode}: keeps some components, matches the same person, rejects another`, async () => {
          const body = await verify({ defense: mode, seed: '7' });
          expect(body.defense.mode).toBe(mode);
          expect(body.defense.seed).toBe(7);
          for (const kept of Object.values(body.defense.componentsKept as Record<string, number>)) {
            expect(kept).toBeGreaterThan(0);
            expect(kept).toBeLessThan(k);
          }
          expect(body.threshold).toBe(thresholdOf(mode));
          expect(body.match).toBe(true);
          expect(body.timings.source.project).toBeGreaterThan(0);
          expect((await verify({ defense: mode, seed: '7' }, { source: faces.a1, target: faces.b1 })).match).toBe(false);
        });

        it(`${mode}: a seed replays the same answer; no seed draws a fresh one and reports it`, async () => {
          const a = await verify({ defense: mode, seed: '12345' });
          const b = await verify({ defense: mode, seed: '12345' });
          expect(b.similarity).toBe(a.similarity);
          expect(b.defense.componentsKept).toEqual(a.defense.componentsKept);
          const fresh = await verify({ defense: mode });
          expect(Number.isInteger(fresh.defense.seed)).toBe(true);
          const replay = await verify({ defense: mode, seed: String(fresh.defense.seed) });
          expect(replay.similarity).toBe(fresh.similarity);
        });

        it(`${mode} deterministic: no seed, the same answer every time`, async () => {
          const a = await verify({ defense: mode, deterministic: 'true' });
          expect(a.defense).toMatchObject({ seed: null, deterministic: true });
          expect((await verify({ defense: mode, deterministic: 'true' })).similarity).toBe(a.similarity);
        });
      }

      it('embed takes the defense options too (JSON)', async () => {
        const res = await post(getTarget(), '/v1/embed', { image: toBase64(faces.b1), defense: 'pin-threshold', seed: 3 });
        const body = (await res.json()) as Json;
        expect(res.status, JSON.stringify(body)).toBe(200);
        expect(body.defense).toMatchObject({ mode: 'pin-threshold', seed: 3 });
        expect(Math.hypot(...(body.embedding as number[]))).toBeCloseTo(1, 4);
      });

      it('reports its wasm memories and start-up parts after serving: the kernel holds the whole basis', async () => {
        const info = (await (await getTarget().fetch('/v1/info')).json()) as Json;
        const basisBytes = manifest.space.k * 112 * 112 * ({ f32: 4, f16: 2, i8: 1 } as Record<string, number>)[manifest.space.format]!;
        expect(info.memory.kernelWasmBytes).toBeGreaterThan(basisBytes);
        expect(info.memory.kernelWasmBytes).toBeLessThan(basisBytes * 1.2);
        expect(info.memory.onnxWasmHeapBytes).toBeGreaterThan(0);
        expect(info.memory.decoderWasmBytes).toBeGreaterThan(0);
        const { runtimeAndDetector, landmark, recognizer, space, total } = info.startup as Record<string, number>;
        for (const part of [runtimeAndDetector, landmark, recognizer, space]) expect(part).toBeGreaterThanOrEqual(0);
        expect(runtimeAndDetector).toBeGreaterThan(0);
        expect(runtimeAndDetector! + landmark! + recognizer! + space!).toBeCloseTo(total!, 6);
      });
    });

    describe('decisions at a calibrated false-accept level', () => {
      const decide = async (parts: Record<string, string>) => {
        const res = await post(getTarget(), '/v1/verify', form({ source: faces.a1, target: faces.b1, seed: '11', ...parts }));
        const body = (await res.json()) as Json;
        expect(res.status, JSON.stringify(body)).toBe(200);
        return body;
      };
      it('far picks the threshold calibrated for the mode and level, reported with it; the default is 1e-3', async () => {
        const byDefault = await decide({});
        expect(byDefault).toMatchObject({ far: 1e-3, thresholdSource: 'calibrated', threshold: thresholdOf('pin-threshold', 1e-3) });
        const levels = (manifest.calibration as { levels: number[] }).levels;
        expect(levels).toEqual([1e-2, 1e-3, 1e-4, 1e-5]);
        for (const far of levels) {
          for (const defense of ['none', 'pin-threshold']) {
            const body = await decide({ far: String(far), defense });
            expect(body).toMatchObject({ far, thresholdSource: 'calibrated', threshold: thresholdOf(defense, far) });
            expect(body.match).toBe(body.similarity >= body.threshold);
          }
        }
        // Stricter levels have higher thresholds; the same seed gives the same similarity whatever the level.
        const strict = await decide({ far: '1e-5' });
        expect(strict.threshold).toBeGreaterThan(byDefault.threshold);
        expect(strict.similarity).toBe(byDefault.similarity);
      });
      it('an explicit threshold decides alone, and says so', async () => {
        const body = await decide({ threshold: '-1' });
        expect(body).toMatchObject({ threshold: -1, far: null, thresholdSource: 'request', match: true });
        const json = await post(getTarget(), '/v1/verify', { source: toBase64(faces.a1), target: toBase64(faces.a2), far: 1e-4 });
        expect(((await json.json()) as Json).far).toBe(1e-4);
      });
    });

    describe('crops and aligned input', () => {
      const gray = (b64: string) => Uint8Array.from(Buffer.from(b64, 'base64'));
      it('crops=true returns the aligned face and what the recognizer saw; none hands it over unchanged, PIN does not', async () => {
        for (const defense of ['none', 'pin-threshold']) {
          const res = await post(getTarget(), '/v1/verify', form({ source: faces.a1, target: faces.a2, crops: 'true', defense, seed: '5' }));
          const body = (await res.json()) as Json;
          expect(res.status, JSON.stringify(body)).toBe(200);
          const { size, aligned, projected } = body.faces.source.crops;
          expect(size).toBe(112);
          const [a, p] = [gray(aligned), gray(projected)];
          expect(a.length).toBe(112 * 112);
          expect(p.length).toBe(112 * 112);
          const meanAbs = a.reduce((s, v, i) => s + Math.abs(v - (p[i] as number)), 0) / a.length;
          if (defense === 'none') expect(meanAbs).toBe(0);
          else expect(meanAbs).toBeGreaterThan(1);
        }
        const plain = (await (await post(getTarget(), '/v1/verify', form({ source: faces.a1, target: faces.a2 }))).json()) as Json;
        expect(plain.faces.source.crops).toBeUndefined();
      });

      it('aligned=true takes the crops as they are: no detection, the same decision as the photos', async () => {
        const photos = (await (await post(getTarget(), '/v1/verify', form({ source: faces.a1, target: faces.a2, defense: 'none' }))).json()) as Json;
        const res = await post(getTarget(), '/v1/verify', form({ source: faces.alignedA1, target: faces.alignedA2, aligned: 'true', defense: 'none' }));
        const body = (await res.json()) as Json;
        expect(res.status, JSON.stringify(body)).toBe(200);
        expect(body.match).toBe(true);
        // 8-bit rounding of the crops is all that differs.
        expect(Math.abs(body.similarity - photos.similarity)).toBeLessThan(0.01);
        expect(body.faces.source.box).toEqual({ x: 0, y: 0, width: 112, height: 112 });
        expect(body.timings.source.detect).toBe(0);
        const other = (await (await post(getTarget(), '/v1/verify', form({ source: faces.alignedA1, target: faces.b1, aligned: 'true' }))).json()) as Json;
        expect(other.code).toBe('invalid_parameters');
      });
    });

    describe('bad input answers 4xx problem+json', () => {
      for (const row of badInputs) {
        it(row.name, async () => {
          await expectProblem(await post(getTarget(), '/v1/verify', row.body(), row.type), row.status, row.code, row.field);
        });
      }
      it('unknown route', async () => expectProblem(await getTarget().fetch('/v1/nope'), 404, 'not_found'));
      it('still verifies after all of the above', async () => {
        const res = await post(getTarget(), '/v1/verify', form({ source: faces.a2, target: faces.a1 }));
        expect(res.status).toBe(200);
      });
    });
  });
}
