/**
 * Route-scoped auth and the deployment's option policy, wherever the app is mounted: the same
 * (route, credential) -> status table at `/`, under `/face` (host.route) and under a host's
 * basePath, in every runtime, against the host of mount-host.ts. Each case's outcome is also
 * written to test-results/auth-table-<runtime>.md, so a run can be read as a table.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ContractTarget, type Json, TEST_ADMIN_TOKEN, expectProblem, form, mintKey, withKey } from './app-contract.ts';
import { faces } from './fixtures.ts';
import { MOUNTS } from './mount-host.ts';

const CREDENTIALS = ['admin', 'tenantA', 'tenantB', 'revoked', 'malformed', 'none'] as const;
type Credential = typeof CREDENTIALS[number];

interface Ids { subjectA: string; keyB: string }
interface Row {
  method: 'GET' | 'POST' | 'DELETE';
  /** Route as documented; {A} is a subject of tenant A, {keyB} a key of tenant B. */
  route: string;
  body?: () => BodyInit;
  json?: boolean;
  /** Expected status per credential; a credential left out is not sent (it would change what later rows see). */
  expect: Partial<Record<Credential, number>>;
  /** Extra checks on a 2xx body, e.g. that tenant B never sees tenant A's subject. */
  check?: (cred: Credential, body: Json, ids: Ids) => void;
}

const same = (status: number): Record<Credential, number> => Object.fromEntries(CREDENTIALS.map((c) => [c, status])) as Record<Credential, number>;
/** Tenant routes: both tenants get `ok`, every other credential 401. */
const tenants = (a: number, b = a): Record<Credential, number> => ({ ...same(401), tenantA: a, tenantB: b });
const jsonBody = (v: unknown) => () => JSON.stringify(v);
const pair = () => form({ source: faces.a1, target: faces.a2 });
const probe = () => form({ image: faces.a2 });
const seesA = (cred: Credential, found: boolean) => expect(found, `${cred} and tenant A's subject`).toBe(cred === 'tenantA');

export const AUTH_TABLE: Row[] = [
  { method: 'GET', route: '/v1/health', expect: same(200) },
  { method: 'GET', route: '/v1/info', expect: same(200) },
  { method: 'GET', route: '/v1/openapi.json', expect: same(200) },
  { method: 'POST', route: '/v1/admin/keys', body: jsonBody({ tenant: 'minted' }), json: true, expect: { ...same(401), admin: 201 } },
  { method: 'GET', route: '/v1/keys', expect: tenants(200), check: (cred, body) => { for (const k of body.keys as Json[]) expect(k.tenant).toBe(cred === 'tenantA' ? 'mount-a' : 'mount-b'); } },
  { method: 'POST', route: '/v1/keys', expect: tenants(201) },
  { method: 'DELETE', route: '/v1/keys/{keyB}', expect: { ...tenants(404), tenantB: undefined } as Row['expect'] },
  { method: 'GET', route: '/v1/subjects', expect: tenants(200), check: (cred, body, ids) => seesA(cred, (body.subjects as Json[]).some((s) => s.id === ids.subjectA)) },
  { method: 'POST', route: '/v1/subjects', body: jsonBody({ label: 'mount' }), json: true, expect: tenants(201) },
  { method: 'GET', route: '/v1/subjects/{A}', expect: tenants(200, 404) },
  { method: 'DELETE', route: '/v1/subjects/{A}', expect: { ...tenants(404), tenantA: undefined } as Row['expect'] },
  { method: 'POST', route: '/v1/subjects/{A}/verify', body: probe, expect: tenants(200, 404), check: (_cred, body) => expect(body.match).toBe(true) },
  { method: 'POST', route: '/v1/verify', body: pair, expect: tenants(200), check: (_cred, body) => expect(body.match).toBe(true) },
  { method: 'POST', route: '/v1/search', body: probe, expect: tenants(200), check: (cred, body, ids) => seesA(cred, (body.results as Json[]).some((r) => r.subject.id === ids.subjectA)) },
];

/** The options that weaken the defense, as a request sends them (form fields), with what each needs. */
const WEAKENING: { option: string; field: string; parts: Record<string, string>; aligned?: boolean }[] = [
  { option: 'seed', field: 'seed', parts: { seed: '7' } },
  { option: 'deterministic', field: 'deterministic', parts: { deterministic: 'true' } },
  { option: 'aligned', field: 'aligned', parts: { aligned: 'true' }, aligned: true },
  { option: 'crops', field: 'crops', parts: { crops: 'true' } },
  { option: 'defense:none', field: 'defense', parts: { defense: 'none' } },
  { option: 'defense:topk', field: 'defense', parts: { defense: 'topk' } },
  { option: 'threshold', field: 'threshold', parts: { threshold: '0.2' } },
  { option: 'far', field: 'far', parts: { far: '0.01' } },
];
const weakened = (w: typeof WEAKENING[number]) => form({ ...(w.aligned ? { source: faces.alignedA1, target: faces.alignedA2 } : { source: faces.a1, target: faces.a2 }), ...w.parts });

export interface MountExpectations {
  /** Storage comes from the request's bindings (Workers D1), so the nostore mount has none. */
  storageFromBindings: boolean;
}

export function mountContract(name: string, getServer: () => ContractTarget, expected: MountExpectations): void {
  describe(`route-scoped auth under every mount: ${name}`, () => {
    const tokens = {} as Record<Credential, string | undefined>;
    const ids = {} as Ids;
    const outcomes: string[] = [];
    beforeAll(async () => {
      const server = getServer();
      const a = await mintKey(server, 'mount-a');
      const b = await mintKey(server, 'mount-b');
      const revoked = await mintKey(server, 'mount-a');
      expect((await withKey(server, a.token).fetch(`/v1/keys/${revoked.id}`, { method: 'DELETE' })).status).toBe(204);
      Object.assign(tokens, { admin: TEST_ADMIN_TOKEN, tenantA: a.token, tenantB: b.token, revoked: revoked.token, malformed: 'pfk.not-a-key', none: undefined });
      const created = await withKey(server, a.token).fetch('/v1/subjects', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
      ids.subjectA = ((await created.json()) as Json).id as string;
      ids.keyB = b.id;
      const enrolled = await withKey(server, a.token).fetch(`/v1/subjects/${ids.subjectA}/faces`, { method: 'POST', body: form({ image: faces.a1 }) });
      expect(enrolled.status).toBe(201);
    });
    afterAll(() => {
      mkdirSync('test-results', { recursive: true });
      writeFileSync(`test-results/auth-table-${name}.md`, `${['| mount | route | credential | expected | got |', '|---|---|---|---|---|', ...outcomes.sort()].join('\n')}\n`);
    });

    for (const mount of MOUNTS) {
      for (const row of AUTH_TABLE) {
        it(`${mount || '/'} ${row.method} ${row.route}`, async () => {
          const path = mount + row.route.replace('{A}', ids.subjectA).replace('{keyB}', ids.keyB);
          for (const cred of CREDENTIALS) {
            const status = row.expect[cred];
            if (status === undefined) continue;
            const headers: Record<string, string> = { ...(row.json ? { 'content-type': 'application/json' } : {}), ...(tokens[cred] ? { authorization: `Bearer ${tokens[cred]}` } : {}) };
            const res = await getServer().fetch(path, { method: row.method, headers, ...(row.body ? { body: row.body() } : {}) });
            const text = await res.text();
            outcomes.push(`| ${mount || '/'} | ${row.method} ${row.route} | ${cred} | ${status} | ${res.status} |`);
            expect(res.status, `${cred} at ${path}: ${text.slice(0, 300)}`).toBe(status);
            if (status >= 400) expect(res.headers.get('content-type')).toContain('application/problem+json');
            else if (row.check && text) row.check(cred, JSON.parse(text) as Json, ids);
          }
        });
      }
    }

    describe('open mode (its own mount)', () => {
      it('serves faces and subjects without a key, keeps the admin route behind its token, has no keys', async () => {
        const open = (path: string, init?: RequestInit) => getServer().fetch(`/open${path}`, init);
        expect((await open('/v1/health')).status).toBe(200);
        const verified = await open('/v1/verify', { method: 'POST', body: pair() });
        expect(verified.status, await verified.clone().text()).toBe(200);
        expect(((await verified.json()) as Json).match).toBe(true);
        expect((await open('/v1/subjects')).status).toBe(200);
        await expectProblem(await open('/v1/admin/keys', { method: 'POST', body: '{"tenant":"x"}', headers: { 'content-type': 'application/json' } }), 401, 'unauthorized');
        await expectProblem(await open('/v1/keys'), 403, 'forbidden');
      });

      it('verifies without any storage binding; only storage routes need one', async () => {
        const res = await getServer().fetch('/nostore/v1/verify', { method: 'POST', body: pair() });
        expect(res.status, await res.clone().text()).toBe(200);
        const subjects = await getServer().fetch('/nostore/v1/subjects');
        if (expected.storageFromBindings) await expectProblem(subjects, 503, 'storage_unavailable');
        else expect(subjects.status).toBe(200);
      });
    });

    describe('options that weaken the defense are the deployment\'s to allow', () => {
      const keyed = (prefix: string) => ({ fetch: (path: string, init: RequestInit = {}) => getServer().fetch(prefix + path, { ...init, headers: { authorization: `Bearer ${tokens.tenantA}` } }) });
      for (const w of WEAKENING) {
        it(`${w.option}: 403 with keys by default, allowed where the deployment allows it and in open mode`, async () => {
          const strict = await keyed('/strict').fetch('/v1/verify', { method: 'POST', body: weakened(w) });
          await expectProblem(strict.clone(), 403, 'forbidden', w.field);
          const problem = (await strict.json()) as Json;
          expect(problem).toMatchObject({ option: w.option, setting: 'PINFACE_ALLOW_OPTIONS' });
          expect(problem.detail).toContain('PINFACE_ALLOW_OPTIONS');
          for (const prefix of ['', '/open']) {
            const res = await keyed(prefix).fetch('/v1/verify', { method: 'POST', body: weakened(w) });
            expect(res.status, `${prefix || '/'}: ${await res.clone().text()}`).toBe(200);
            expect(((await res.json()) as Json).match).toBe(true);
          }
          const partial = await keyed('/partial').fetch('/v1/verify', { method: 'POST', body: weakened(w) });
          if (['seed', 'crops'].includes(w.option)) expect(partial.status, await partial.text()).toBe(200);
          else await expectProblem(partial, 403, 'forbidden', w.field);
        });
      }
      it('a plain request, the default defense named, pin-learned and a stricter far need no permission', async () => {
        const plain: Record<string, string>[] = [{}, { defense: 'pin-threshold' }, { defense: 'pin-learned' }, { far: '0.0001' }, { far: '0.001' }];
        for (const parts of plain) {
          const res = await keyed('/strict').fetch('/v1/verify', { method: 'POST', body: form({ source: faces.a1, target: faces.a2, ...parts }) });
          expect(res.status, await res.clone().text()).toBe(200);
        }
      });
      it('subject routes apply the same policy', async () => {
        const res = await keyed('/strict').fetch(`/v1/subjects/${ids.subjectA}/verify`, { method: 'POST', body: form({ image: faces.a2, seed: '3' }) });
        await expectProblem(res, 403, 'forbidden', 'seed');
        await expectProblem(await keyed('/strict').fetch('/v1/search', { method: 'POST', body: form({ image: faces.a2, defense: 'none' }) }), 403, 'forbidden', 'defense');
      });
    });
  });
}
