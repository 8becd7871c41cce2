/** What createApp does with its settings before any request: errors that keep their status, calibration tied to the defense settings, the option policy's variable. */
import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import manifest from '../../models/manifest.json' with { type: 'json' };
import { createApp } from '../../src/app.ts';
import { defaultDefense } from '../../src/config.ts';
import { embeddingVersion } from '../../src/versions.ts';
import { PinfaceError } from '../../src/errors.ts';
import { memoryStore } from '../../src/store/memory.ts';

// No route below reaches the pipeline, so the assets are never loaded.
const noAssets = async () => { throw new Error('assets must not be loaded by these tests'); };

describe('errors from HTTP middleware keep their status', () => {
  const app = createApp(noAssets);
  const statuses: [number, string][] = [[400, 'invalid_parameters'], [401, 'unauthorized'], [403, 'forbidden'], [404, 'not_found'], [405, 'method_not_allowed'], [408, 'request_rejected'], [413, 'payload_too_large'], [415, 'unsupported_media_type'], [422, 'request_rejected'], [429, 'rate_limited']];
  for (const [status] of statuses) {
    app.get(`/throws/${status}`, () => {
      throw new HTTPException(status as 400, { message: `middleware said ${status}`, res: new Response(null, { status, headers: { 'www-authenticate': 'Basic', 'x-private': 'no' } }) });
    });
  }
  for (const [status, code] of statuses) {
    it(`${status} -> ${status} ${code}`, async () => {
      const res = await app.request(`/throws/${status}`);
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(await res.json()).toMatchObject({ status, code, detail: `[pinface] [request] middleware said ${status}` });
      expect(res.headers.get('www-authenticate')).toBe('Basic');
      expect(res.headers.get('x-private')).toBeNull();
    });
  }
});

describe('calibration tied to the defense settings', () => {
  it('refuses settings the manifest was not calibrated for, naming them', () => {
    for (const defense of [{ lambda: defaultDefense.lambda * 2 }, { noise: 0.08 }, { topk: 100 }]) {
      let caught: unknown;
      try {
        createApp(noAssets, { defense });
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(PinfaceError);
      expect((caught as PinfaceError).code).toBe('invalid_config');
      expect((caught as PinfaceError).message).toContain(Object.keys(defense)[0]);
    }
  });
  it('takes them with an explicit threshold, and then templates name the settings', () => {
    expect(() => createApp(noAssets, { defense: { lambda: 2e-6 }, threshold: 0.4 })).not.toThrow();
    expect(() => createApp(noAssets, { defense: { topk: manifest.space.k } })).not.toThrow();
    const shipped = embeddingVersion('pin-threshold', defaultDefense);
    const changed = embeddingVersion('pin-threshold', { ...defaultDefense, lambda: 2e-6 });
    expect(shipped).toContain(`lambda=${defaultDefense.lambda},noise=${defaultDefense.noise}`);
    expect(changed).not.toBe(shipped);
    expect(embeddingVersion('topk', { ...defaultDefense, topk: 100 })).toMatch(/\/k=100$/);
    expect(embeddingVersion('none', { ...defaultDefense, lambda: 2e-6 })).toBe(embeddingVersion('none', defaultDefense));
  });
});

describe('routes resolve storage only when they use it', () => {
  const failing = () => { throw new PinfaceError('storage_unavailable', '[pinface] [store] none here'); };
  it('open mode: subjects need the store (503), keys mode: the key lookup does (503), public routes never', async () => {
    const app = createApp(noAssets, { store: failing });
    expect((await app.request('/v1/health')).status).toBe(200);
    expect((await app.request('/v1/subjects', {}, { PINFACE_AUTH: 'open' })).status).toBe(503);
    expect((await app.request('/v1/subjects', { headers: { authorization: 'Bearer pfk.x' } })).status).toBe(503);
  });
});

describe('PINFACE_ALLOW_OPTIONS', () => {
  it('an unknown option name is a deployment error that names the variable, not a silent allow', async () => {
    const app = createApp(noAssets, { store: () => memoryStore() });
    const res = await app.request('/v1/verify', { method: 'POST' }, { PINFACE_AUTH: 'open', PINFACE_ALLOW_OPTIONS: 'seed,everything' });
    expect(res.status).toBe(500);
    const body = (await res.json()) as { code: string; detail: string };
    expect(body.code).toBe('invalid_config');
    expect(body.detail).toContain('PINFACE_ALLOW_OPTIONS');
    expect(body.detail).toContain('"everything"');
  });
});
