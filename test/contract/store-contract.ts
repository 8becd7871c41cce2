/**
 * The one suite every Store driver must pass (unstorage's testDriver pattern), written without
 * vitest so the real Deno binary can run it too (test/deno/store-kv-runner.ts). Each case uses
 * its own tenants, so one store instance serves the whole suite.
 */
import { deepStrictEqual, ok, strictEqual } from 'node:assert/strict';
import type { FaceRecord, Store, SubjectRecord } from '../../src/store/types.ts';

export interface StoreCase {
  name: string;
  run(store: Store): Promise<void>;
}

let n = 0;
const tenant = (): string => `t${Date.now().toString(36)}${(n++).toString(36)}`;
const subject = (id: string, label: string | null = null): SubjectRecord => ({ id, label, createdAt: '2026-11-25T00:00:00.000Z' });
const face = (id: string, subjectId: string, version = 'v1', seed = 1): FaceRecord => ({
  id, subjectId, version, score: 0.99, createdAt: '2026-11-25T00:00:01.000Z',
  box: { x: 10.5, y: 20, width: 64, height: 80.25 },
  // Values that a lossy encoding (f16, JSON rounding) would change.
  embedding: Float32Array.from({ length: 512 }, (_, i) => Math.sin(seed * 1000 + i) / 22.627417 + 1e-7 * i),
});

export const storeCases: StoreCase[] = [
  {
    name: 'creates and reads a subject; an unknown id is null',
    async run(s) {
      const t = tenant();
      await s.createSubject(t, subject('sub_a', 'alice'));
      deepStrictEqual(await s.getSubject(t, 'sub_a'), subject('sub_a', 'alice'));
      strictEqual(await s.getSubject(t, 'sub_zz'), null);
    },
  },
  {
    name: 'keeps tenants apart: another tenant cannot read, list, enroll into or delete a subject',
    async run(s) {
      const [a, b] = [tenant(), tenant()];
      await s.createSubject(a, subject('sub_x'));
      ok(await s.addFace(a, face('face_1', 'sub_x')));
      strictEqual(await s.getSubject(b, 'sub_x'), null);
      deepStrictEqual((await s.listSubjects(b, 10, null)).items, []);
      strictEqual(await s.addFace(b, face('face_2', 'sub_x')), false);
      deepStrictEqual(await s.listFaces(b, 'sub_x'), []);
      deepStrictEqual(await s.facesAtVersion(b, 'v1'), []);
      strictEqual(await s.deleteFace(b, 'sub_x', 'face_1'), false);
      strictEqual(await s.deleteSubject(b, 'sub_x'), false);
      // Still all there for the owner.
      strictEqual((await s.listFaces(a, 'sub_x')).length, 1);
      ok(await s.getSubject(a, 'sub_x'));
    },
  },
  {
    name: 'lists subjects by id, a page at a time',
    async run(s) {
      const t = tenant();
      const ids = ['sub_05', 'sub_01', 'sub_04', 'sub_02', 'sub_03'];
      for (const id of ids) await s.createSubject(t, subject(id));
      const p1 = await s.listSubjects(t, 2, null);
      deepStrictEqual(p1.items.map((x) => x.id), ['sub_01', 'sub_02']);
      const p2 = await s.listSubjects(t, 2, p1.cursor);
      deepStrictEqual(p2.items.map((x) => x.id), ['sub_03', 'sub_04']);
      const p3 = await s.listSubjects(t, 2, p2.cursor);
      deepStrictEqual(p3.items.map((x) => x.id), ['sub_05']);
      strictEqual(p3.cursor, null);
    },
  },
  {
    name: 'stores a template bit for bit; enrolling into a missing subject writes nothing',
    async run(s) {
      const t = tenant();
      await s.createSubject(t, subject('sub_a'));
      const f = face('face_1', 'sub_a', 'v1', 7);
      ok(await s.addFace(t, f));
      const [back] = await s.listFaces(t, 'sub_a');
      ok(back);
      deepStrictEqual({ ...back, embedding: [...back.embedding] }, { ...f, embedding: [...f.embedding] });
      strictEqual(await s.addFace(t, face('face_2', 'sub_missing')), false);
      deepStrictEqual(await s.listFaces(t, 'sub_missing'), []);
      deepStrictEqual((await s.facesAtVersion(t, 'v1')).map((x) => x.id), ['face_1']);
    },
  },
  {
    name: 'deletes one template',
    async run(s) {
      const t = tenant();
      await s.createSubject(t, subject('sub_a'));
      for (const id of ['face_1', 'face_2']) ok(await s.addFace(t, face(id, 'sub_a')));
      ok(await s.deleteFace(t, 'sub_a', 'face_1'));
      strictEqual(await s.deleteFace(t, 'sub_a', 'face_1'), false);
      deepStrictEqual((await s.listFaces(t, 'sub_a')).map((x) => x.id), ['face_2']);
    },
  },
  {
    name: 'erasing a subject erases every template: nothing reads back',
    async run(s) {
      const t = tenant();
      await s.createSubject(t, subject('sub_a'));
      await s.createSubject(t, subject('sub_b'));
      for (let i = 0; i < 12; i++) ok(await s.addFace(t, face(`face_a${i}`, 'sub_a', i % 2 ? 'v1' : 'v2')));
      ok(await s.addFace(t, face('face_b0', 'sub_b')));
      ok(await s.deleteSubject(t, 'sub_a'));
      strictEqual(await s.getSubject(t, 'sub_a'), null);
      deepStrictEqual(await s.listFaces(t, 'sub_a'), []);
      deepStrictEqual((await s.facesAtVersion(t, 'v1')).map((x) => x.id), ['face_b0']);
      deepStrictEqual(await s.facesAtVersion(t, 'v2'), []);
      strictEqual(await s.deleteSubject(t, 'sub_a'), false);
      // Re-creating the id starts empty: no template comes back.
      await s.createSubject(t, subject('sub_a'));
      deepStrictEqual(await s.listFaces(t, 'sub_a'), []);
    },
  },
  {
    name: 'finds templates by version only',
    async run(s) {
      const t = tenant();
      await s.createSubject(t, subject('sub_a'));
      ok(await s.addFace(t, face('face_1', 'sub_a', 'fr@1/pin-threshold')));
      ok(await s.addFace(t, face('face_2', 'sub_a', 'fr@1/none')));
      deepStrictEqual((await s.facesAtVersion(t, 'fr@1/none')).map((x) => x.id), ['face_2']);
      deepStrictEqual(await s.facesAtVersion(t, 'fr@2/none'), []);
    },
  },
  {
    name: 'keeps keys by id, lists them per tenant, revokes only within the tenant',
    async run(s) {
      const [a, b] = [tenant(), tenant()];
      const key = (id: string, t: string) => ({ id, tenant: t, hash: 'ab'.repeat(32), createdAt: '2026-11-25T00:00:00.000Z', revokedAt: null });
      const ka = `key_${a}`, kb = `key_${b}`;
      await s.putKey(key(ka, a));
      await s.putKey(key(kb, b));
      deepStrictEqual(await s.getKey(ka), key(ka, a));
      strictEqual(await s.getKey('key_nope'), null);
      deepStrictEqual((await s.listKeys(a)).map((k) => k.id), [ka]);
      strictEqual(await s.revokeKey(b, ka, '2026-11-25T01:00:00.000Z'), false);
      strictEqual((await s.getKey(ka))?.revokedAt, null);
      ok(await s.revokeKey(a, ka, '2026-11-25T01:00:00.000Z'));
      ok(await s.revokeKey(a, ka, '2026-11-25T02:00:00.000Z'));
      strictEqual((await s.getKey(ka))?.revokedAt, '2026-11-25T01:00:00.000Z');
    },
  },
  {
    name: 'loses no template when 24 enrolments run at once',
    async run(s) {
      const t = tenant();
      await s.createSubject(t, subject('sub_a'));
      const ids = Array.from({ length: 24 }, (_, i) => `face_${String(i).padStart(2, '0')}`);
      const results = await Promise.all(ids.map((id, i) => s.addFace(t, face(id, 'sub_a', 'v1', i))));
      ok(results.every(Boolean));
      deepStrictEqual((await s.listFaces(t, 'sub_a')).map((x) => x.id), ids);
    },
  },
  {
    name: 'leaves no orphan template when enrolments race an erase',
    async run(s) {
      const t = tenant();
      // Rounds with the erase started at different points among the enrolments, so some land
      // between its listing and its commit.
      for (let round = 0; round < 12; round++) {
        const id = `sub_r${round}`;
        await s.createSubject(t, subject(id));
        ok(await s.addFace(t, face(`face_pre${round}`, id)));
        const adds = Array.from({ length: 8 }, (_, i) => s.addFace(t, face(`face_r${round}_${i}`, id)));
        await new Promise((r) => setTimeout(r, round % 4));
        const [deleted] = await Promise.all([s.deleteSubject(t, id), ...adds]);
        ok(deleted);
        strictEqual(await s.getSubject(t, id), null);
        deepStrictEqual(await s.listFaces(t, id), [], `round ${round}: templates outlived their subject`);
      }
      deepStrictEqual(await s.facesAtVersion(t, 'v1'), []);
    },
  },
];
