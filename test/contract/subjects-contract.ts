/**
 * The subjects, keys and security contract, run against the same servers as app-contract.ts
 * (in-process Node with the memory store, workerd with D1, Deno with Deno KV).
 */
import { describe, expect, it } from 'vitest';
import { type ContractTarget, type Json, TEST_ADMIN_TOKEN, expectProblem, form, keyedTarget, mintKey, post, thresholdOf, withKey } from './app-contract.ts';
import { defaultSecurity } from '../../src/config.ts';
import { faces, toBase64 } from './fixtures.ts';

export interface SecurityExpectations {
  /** Requests one key may send at once before a 429 must come (the server's configured burst). */
  rateLimitBurst: number;
  /** An origin the server was started with in PINFACE_CORS_ORIGINS. */
  corsOrigin: string;
  /**
   * Set where the limiter counts in fixed windows of this many seconds that restart on the clock
   * (Miniflare's [[ratelimits]] binding empties its buckets at every multiple of the period): a
   * burst that straddles a boundary is split between two windows and may never reach a 429.
   */
  rateLimitWindowS?: number;
}

/** Waits for the next window to begin when fewer than `marginS` seconds of this one are left. */
async function startOfFreshWindow(windowS: number | undefined, marginS = 20): Promise<void> {
  if (!windowS) return;
  const leftMs = windowS * 1000 - (Date.now() % (windowS * 1000));
  if (leftMs < marginS * 1000) await new Promise((resolve) => setTimeout(resolve, leftMs + 250));
}


const call = async (target: ContractTarget, path: string, init: RequestInit = {}): Promise<{ status: number; body: Json; res: Response }> => {
  const res = await target.fetch(path, init);
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {}, res };
};
const createSubject = async (t: ContractTarget, label: string | null = null): Promise<string> => {
  const { status, body } = await call(t, '/v1/subjects', { method: 'POST', body: JSON.stringify({ label }), headers: { 'content-type': 'application/json' } });
  expect(status, JSON.stringify(body)).toBe(201);
  return body.id as string;
};
const enroll = (t: ContractTarget, id: string, image: Uint8Array<ArrayBuffer>, options: Record<string, string> = {}) =>
  post(t, `/v1/subjects/${id}/faces`, form({ image, ...options }));

export function subjectsContract(name: string, getServer: () => ContractTarget, expected: SecurityExpectations): void {
  describe(`subjects and security contract: ${name}`, () => {
    describe('authentication', () => {
      it('needs a key for faces and subjects, not for health, info or the OpenAPI document', async () => {
        for (const path of ['/v1/health', '/v1/info', '/v1/openapi.json']) expect((await getServer().fetch(path)).status).toBe(200);
        const res = await post(getServer(), '/v1/verify', form({ source: faces.a1, target: faces.a2 }));
        expect(res.headers.get('www-authenticate')).toContain('Bearer');
        await expectProblem(res, 401, 'unauthorized');
        await expectProblem(await getServer().fetch('/v1/subjects'), 401, 'unauthorized');
      });
      it('refuses a malformed, an unknown and a tampered key', async () => {
        const { token } = await mintKey(getServer(), 'auth-probe');
        const tampered = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
        for (const bad of ['nonsense', `pfk.key_000000000000000000000000.${'A'.repeat(43)}`, tampered]) {
          await expectProblem(await withKey(getServer(), bad).fetch('/v1/subjects'), 401, 'unauthorized');
        }
        expect((await withKey(getServer(), token).fetch('/v1/subjects')).status).toBe(200);
      });
      it('issues keys only with the admin token', async () => {
        const body = JSON.stringify({ tenant: 'x' });
        const headers = { 'content-type': 'application/json' };
        await expectProblem(await getServer().fetch('/v1/admin/keys', { method: 'POST', body, headers }), 401, 'unauthorized');
        await expectProblem(await getServer().fetch('/v1/admin/keys', { method: 'POST', body, headers: { ...headers, authorization: `Bearer ${TEST_ADMIN_TOKEN}x` } }), 401, 'unauthorized');
        await expectProblem(await getServer().fetch('/v1/admin/keys', { method: 'POST', body: JSON.stringify({ tenant: '../etc' }), headers: { ...headers, authorization: `Bearer ${TEST_ADMIN_TOKEN}` } }), 400, 'invalid_parameters', 'tenant');
      });
      it('rotates keys: a new key works, the revoked one stops at once, another tenant cannot revoke', async () => {
        const first = await mintKey(getServer(), 'rotation');
        const k1 = withKey(getServer(), first.token);
        const second = await call(k1, '/v1/keys', { method: 'POST' });
        expect(second.status).toBe(201);
        expect(second.body.tenant).toBe('rotation');
        const k2 = withKey(getServer(), second.body.token as string);
        const subject = await createSubject(k1);
        expect((await call(k2, `/v1/subjects/${subject}`)).status).toBe(200); // same tenant, same data
        const other = withKey(getServer(), (await mintKey(getServer(), 'rotation-other')).token);
        await expectProblem(await other.fetch(`/v1/keys/${first.id}`, { method: 'DELETE' }), 404, 'not_found');
        expect((await k2.fetch(`/v1/keys/${first.id}`, { method: 'DELETE' })).status).toBe(204);
        await expectProblem(await k1.fetch('/v1/subjects'), 401, 'unauthorized');
        const keys = (await call(k2, '/v1/keys')).body.keys as Json[];
        expect(keys.find((k) => k.id === first.id)?.revokedAt).toEqual(expect.any(String));
        expect(JSON.stringify(keys)).not.toMatch(/hash|token/);
      });
      it(`limits each key: 429 with Retry-After after the burst (${expected.rateLimitBurst}), other keys unaffected`, async () => {
        const limited = withKey(getServer(), (await mintKey(getServer(), 'rate')).token);
        let first429: Response | undefined;
        let sent = 0;
        await startOfFreshWindow(expected.rateLimitWindowS);
        while (!first429 && sent < expected.rateLimitBurst + 40) {
          const batch = await Promise.all(Array.from({ length: 10 }, () => limited.fetch('/v1/keys')));
          sent += batch.length;
          first429 = batch.find((r) => r.status === 429);
          for (const r of batch) if (r !== first429) await r.body?.cancel();
        }
        expect(first429, `no 429 after ${sent} requests`).toBeDefined();
        expect(sent).toBeGreaterThan(expected.rateLimitBurst * 0.8);
        expect(Number(first429?.headers.get('retry-after'))).toBeGreaterThan(0);
        await expectProblem(first429 as Response, 429, 'rate_limited');
        const fresh = withKey(getServer(), (await mintKey(getServer(), 'rate')).token);
        expect((await fresh.fetch('/v1/keys')).status).toBe(200);
      });
      it('sets security headers, and CORS only for the configured origin', async () => {
        const res = await getServer().fetch('/v1/health', { headers: { origin: expected.corsOrigin } });
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        expect(res.headers.get('access-control-allow-origin')).toBe(expected.corsOrigin);
        const pre = await getServer().fetch('/v1/verify', { method: 'OPTIONS', headers: { origin: expected.corsOrigin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' } });
        expect(pre.status).toBeLessThan(300);
        expect(pre.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
        const foreign = await getServer().fetch('/v1/health', { headers: { origin: 'https://evil.example' } });
        expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
      });
    });

    describe('subjects', () => {
      const getTarget = keyedTarget(getServer, `subjects-${name}`);

      it('enrolls, verifies (best and mean), searches, and keeps no embedding or image in answers', async () => {
        const t = getTarget();
        const id = await createSubject(t, 'alice');
        const other = await createSubject(t, 'bob');
        const e1 = await enroll(t, id, faces.a1);
        const enrolled = (await e1.json()) as Json;
        expect(e1.status, JSON.stringify(enrolled)).toBe(201);
        // The template names the recognizer the default mode embeds with (/v1/info: featurePin when the build has one).
        const info = (await call(t, '/v1/info')).body;
        const recognizer = (info.models.featurePin ?? info.models.feature).id as string;
        expect(enrolled.template.version.startsWith(`${recognizer}/pin-threshold/immune-space@`), enrolled.template.version).toBe(true);
        expect(enrolled.template).not.toHaveProperty('embedding');
        expect((await enroll(t, other, faces.b1)).status).toBe(201);

        const detail = await call(t, `/v1/subjects/${id}`);
        expect(detail.body).toMatchObject({ id, label: 'alice', faces: [{ id: enrolled.template.id }] });
        expect(JSON.stringify(detail.body)).not.toMatch(/embedding/);

        const same = await call(t, `/v1/subjects/${id}/verify`, { method: 'POST', body: form({ image: faces.a2 }) });
        expect(same.status, JSON.stringify(same.body)).toBe(200);
        expect(same.body).toMatchObject({ match: true, aggregate: 'best', templates: 1, subject: { id } });
        expect(same.body.similarity).toBeGreaterThanOrEqual(same.body.threshold);
        const mean = await call(t, `/v1/subjects/${id}/verify?aggregate=mean`, { method: 'POST', body: JSON.stringify({ image: toBase64(faces.a2), deterministic: true }), headers: { 'content-type': 'application/json' } });
        expect(mean.body).toMatchObject({ match: true, aggregate: 'mean' });
        const strict = await call(t, `/v1/subjects/${id}/verify`, { method: 'POST', body: form({ image: faces.a2, far: '1e-5' }) });
        expect(strict.body).toMatchObject({ far: 1e-5, thresholdSource: 'calibrated', threshold: thresholdOf('pin-threshold', 1e-5) });
        await expectProblem(await post(t, `/v1/subjects/${id}/verify`, form({ image: faces.a2, far: '0.3' })), 400, 'invalid_parameters', 'far');
        await expectProblem(await post(t, `/v1/subjects/${id}/faces`, form({ image: faces.a2, far: '1e-3' })), 400, 'invalid_parameters', 'far');
        const impostor = await call(t, `/v1/subjects/${other}/verify`, { method: 'POST', body: form({ image: faces.a2 }) });
        expect(impostor.body.match).toBe(false);

        const search = await call(t, '/v1/search?topK=2', { method: 'POST', body: form({ image: faces.a2 }) });
        expect(search.status, JSON.stringify(search.body)).toBe(200);
        expect(search.body.results[0]).toMatchObject({ subject: { id, label: 'alice' }, match: true, templates: 1 });
        expect(search.body.results[1]?.subject.id).toBe(other);
        expect(search.body.searched).toEqual({ subjects: 2, templates: 2 });
        const strictSearch = await call(t, '/v1/search?topK=2', { method: 'POST', body: form({ image: faces.a2, far: '1e-4' }) });
        expect(strictSearch.body).toMatchObject({ far: 1e-4, threshold: thresholdOf('pin-threshold', 1e-4) });
        expect(strictSearch.body.results[0].match).toBe(strictSearch.body.results[0].similarity >= strictSearch.body.threshold);
      });

      it(`limits verify attempts per subject, whichever key sends them: 429 subject_rate_limited after ${defaultSecurity.subjectAttempts.burst}, other subjects unaffected`, async () => {
        const t = getTarget();
        const [id, other] = [await createSubject(t), await createSubject(t)];
        // Photo-less attempts: each counts (the limit comes before the photo is read) and costs no analysis.
        const attempt = async (target: ContractTarget, subject: string) => post(target, `/v1/subjects/${subject}/verify`, form({ far: '1e-3' }));
        for (let i = 0; i < defaultSecurity.subjectAttempts.burst; i++) await expectProblem(await attempt(t, id), 400, 'invalid_parameters', 'image');
        const secondKey = withKey(getServer(), (await mintKey(getServer(), `subjects-${name}`)).token);
        const limited = await attempt(secondKey, id);
        expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
        await expectProblem(limited, 429, 'subject_rate_limited');
        await expectProblem(await attempt(t, other), 400, 'invalid_parameters', 'image');
      });

      it('compares only templates of the same model and defense', async () => {
        const t = getTarget();
        const id = await createSubject(t);
        expect((await enroll(t, id, faces.a1, { defense: 'none' })).status).toBe(201);
        await expectProblem(await post(t, `/v1/subjects/${id}/verify`, form({ image: faces.a2 })), 409, 'incompatible_templates');
        const ok = await call(t, `/v1/subjects/${id}/verify`, { method: 'POST', body: form({ image: faces.a2, defense: 'none' }) });
        expect(ok.body).toMatchObject({ match: true, defense: { mode: 'none' } });
      });

      it('erases: a deleted face and a deleted subject never read back', async () => {
        const t = getTarget();
        const id = await createSubject(t);
        const face = ((await (await enroll(t, id, faces.a1)).json()) as Json).template.id as string;
        expect((await t.fetch(`/v1/subjects/${id}/faces/${face}`, { method: 'DELETE' })).status).toBe(204);
        await expectProblem(await t.fetch(`/v1/subjects/${id}/faces/${face}`, { method: 'DELETE' }), 404, 'not_found');
        await expectProblem(await post(t, `/v1/subjects/${id}/verify`, form({ image: faces.a2 })), 409, 'no_templates');
        expect((await enroll(t, id, faces.a2)).status).toBe(201);
        expect((await t.fetch(`/v1/subjects/${id}`, { method: 'DELETE' })).status).toBe(204);
        await expectProblem(await t.fetch(`/v1/subjects/${id}`), 404, 'not_found');
        await expectProblem(await post(t, `/v1/subjects/${id}/verify`, form({ image: faces.a2 })), 404, 'not_found');
        await expectProblem(await enroll(t, id, faces.a1), 404, 'not_found');
        const search = await call(t, '/v1/search?topK=50', { method: 'POST', body: form({ image: faces.a2 }) });
        expect(search.body.results.map((r: Json) => r.subject.id)).not.toContain(id);
      });

      it('keeps tenants apart', async () => {
        const t = getTarget();
        const id = await createSubject(t, 'private');
        expect((await enroll(t, id, faces.a1)).status).toBe(201);
        const stranger = withKey(getServer(), (await mintKey(getServer(), `stranger-${name}`)).token);
        await expectProblem(await stranger.fetch(`/v1/subjects/${id}`), 404, 'not_found');
        await expectProblem(await post(stranger, `/v1/subjects/${id}/verify`, form({ image: faces.a2 })), 404, 'not_found');
        await expectProblem(await enroll(stranger, id, faces.b1), 404, 'not_found');
        await expectProblem(await stranger.fetch(`/v1/subjects/${id}`, { method: 'DELETE' }), 404, 'not_found');
        expect((await call(stranger, '/v1/subjects')).body.subjects).toEqual([]);
        const search = await call(stranger, '/v1/search', { method: 'POST', body: form({ image: faces.a2 }) });
        expect(search.body.results).toEqual([]);
        expect((await call(t, `/v1/subjects/${id}`)).body.faces).toHaveLength(1);
      });

      it('lists a page at a time and refuses bad parameters', async () => {
        const t = withKey(getServer(), (await mintKey(getServer(), `pages-${name}`)).token);
        const ids = [await createSubject(t), await createSubject(t), await createSubject(t)].sort();
        const p1 = await call(t, '/v1/subjects?limit=2');
        expect(p1.body.subjects.map((s: Json) => s.id)).toEqual(ids.slice(0, 2));
        const p2 = await call(t, `/v1/subjects?limit=2&cursor=${p1.body.cursor}`);
        expect(p2.body).toMatchObject({ subjects: [{ id: ids[2] }], cursor: null });
        await expectProblem(await t.fetch('/v1/subjects?limit=1000'), 400, 'invalid_parameters', 'limit');
        await expectProblem(await t.fetch('/v1/search?topK=0', { method: 'POST', body: form({ image: faces.a1 }) }), 400, 'invalid_parameters', 'topK');
        await expectProblem(await t.fetch('/v1/subjects', { method: 'POST', body: JSON.stringify({ label: 'x'.repeat(201) }), headers: { 'content-type': 'application/json' } }), 400, 'invalid_parameters', 'label');
        await expectProblem(await t.fetch('/v1/subjects', { method: 'POST', body: 'x'.repeat(20_000), headers: { 'content-type': 'application/json' } }), 413, 'payload_too_large');
      });
    });
  });
}
