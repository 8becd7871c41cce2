/**
 * @module Deno KV driver: the Store on Deno KV (a local SQLite file by default, `Deno.openKv(path)`).
 * Writes that must not race (a template vs its subject's erasure) go through atomic operations
 * that check the subject's versionstamp, retried on conflict.
 */
import { PinfaceError } from '../errors.ts';
import { embeddingBytes, embeddingFromBytes, type FaceRecord, type KeyRecord, type Store, type SubjectRecord } from './types.ts';

type KvKey = readonly (string | number)[];
interface KvEntry<T> { key: KvKey; value: T | null; versionstamp: string | null }
interface KvAtomic {
  check(...checks: { key: KvKey; versionstamp: string | null }[]): KvAtomic;
  set(key: KvKey, value: unknown): KvAtomic;
  delete(key: KvKey): KvAtomic;
  commit(): Promise<{ ok: boolean }>;
}
/** The subset of Deno.Kv this driver uses: src/ stays free of Deno globals. */
export interface KvLike {
  get<T>(key: KvKey): Promise<KvEntry<T>>;
  list<T>(selector: { prefix: KvKey; start?: KvKey }, options?: { limit?: number }): AsyncIterable<{ key: KvKey; value: T }>;
  set(key: KvKey, value: unknown): Promise<unknown>;
  atomic(): KvAtomic;
}

type StoredFace = Omit<FaceRecord, 'embedding'> & { embedding: Uint8Array };

const subjectKey = (t: string, id: string): KvKey => ['subjects', t, id];
const facesPrefix = (t: string, subjectId?: string): KvKey => (subjectId === undefined ? ['faces', t] : ['faces', t, subjectId]);
const keyKey = (id: string): KvKey => ['keys', id];
const tenantKeyKey = (t: string, id: string): KvKey => ['tenant-keys', t, id];

const collect = async <T>(it: AsyncIterable<{ value: T }>): Promise<T[]> => {
  const out: T[] = [];
  for await (const e of it) out.push(e.value);
  return out;
};
const face = (f: StoredFace): FaceRecord => ({ ...f, embedding: embeddingFromBytes(f.embedding) });
/** Deno KV caps one atomic operation's mutations; a subject with more templates is erased in this many per step. */
const MAX_MUTATIONS = 900;
/**
 * Optimistic writes on one subject succeed one at a time: n racing enrolments need up to n rounds,
 * and without a pause the same writers collide again (24 at once lost 20 rounds in CI). Each
 * conflict waits a random 0..2^i ms (at most 32), which spreads the writers out.
 */
const ATTEMPTS = 64;

async function retry(what: string, step: () => Promise<boolean | undefined>): Promise<boolean> {
  for (let i = 0; i < ATTEMPTS; i++) {
    const done = await step();
    if (done !== undefined) return done;
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 2 ** Math.min(i, 5)));
  }
  throw new PinfaceError('storage_unavailable', `[pinface] [store] ${what} kept conflicting with concurrent writes; retry.`);
}

export function denoKvStore(kv: KvLike): Store {
  return {
    async createSubject(t, s) {
      await kv.set(subjectKey(t, s.id), s);
    },
    async getSubject(t, id) {
      return (await kv.get<SubjectRecord>(subjectKey(t, id))).value;
    },
    async listSubjects(t, limit, cursor) {
      const selector = cursor === null ? { prefix: ['subjects', t] } : { prefix: ['subjects', t], start: subjectKey(t, cursor) };
      const rows = (await collect(kv.list<SubjectRecord>(selector, { limit: limit + 2 }))).filter((s) => cursor === null || s.id > cursor);
      const items = rows.slice(0, limit);
      return { items, cursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
    },
    deleteSubject: (t, id) => retry('Deleting the subject', async () => {
      const s = await kv.get<SubjectRecord>(subjectKey(t, id));
      if (s.value === null) return false;
      const faceKeys: KvKey[] = [];
      for await (const e of kv.list({ prefix: facesPrefix(t, id) })) faceKeys.push(e.key);
      // Templates first, in steps, each guarded by the subject's versionstamp; the subject goes
      // last, so an interrupted erase leaves a subject to delete again, never an orphan template.
      for (let i = 0; i < faceKeys.length; i += MAX_MUTATIONS) {
        const op = kv.atomic().check(s);
        for (const k of faceKeys.slice(i, i + MAX_MUTATIONS)) op.delete(k);
        if (!(await op.commit()).ok) return undefined;
      }
      return (await kv.atomic().check(s).delete(subjectKey(t, id)).commit()).ok ? true : undefined;
    }),
    addFace: (t, f) => retry('Enrolling the face', async () => {
      const s = await kv.get<SubjectRecord>(subjectKey(t, f.subjectId));
      if (s.value === null) return false;
      const stored: StoredFace = { ...f, embedding: embeddingBytes(f.embedding) };
      // Re-setting the subject bumps its versionstamp, so an erase that listed templates before
      // this one fails its check and lists again: no template survives its subject.
      const r = await kv.atomic().check(s).set(subjectKey(t, f.subjectId), s.value).set([...facesPrefix(t, f.subjectId), f.id], stored).commit();
      return r.ok ? true : undefined;
    }),
    async listFaces(t, subjectId) {
      return (await collect(kv.list<StoredFace>({ prefix: facesPrefix(t, subjectId) }))).map(face);
    },
    deleteFace: (t, subjectId, faceId) => retry('Deleting the face', async () => {
      const k = [...facesPrefix(t, subjectId), faceId];
      const e = await kv.get(k);
      if (e.value === null) return false;
      return (await kv.atomic().check(e).delete(k).commit()).ok ? true : undefined;
    }),
    async facesAtVersion(t, version) {
      return (await collect(kv.list<StoredFace>({ prefix: facesPrefix(t) }))).filter((f) => f.version === version).map(face).sort((a, b) => (a.id < b.id ? -1 : 1));
    },
    async putKey(k) {
      await kv.atomic().set(keyKey(k.id), k).set(tenantKeyKey(k.tenant, k.id), true).commit();
    },
    async getKey(id) {
      return (await kv.get<KeyRecord>(keyKey(id))).value;
    },
    async listKeys(t) {
      const ids: string[] = [];
      for await (const e of kv.list({ prefix: ['tenant-keys', t] })) ids.push(String(e.key[2]));
      const keys = await Promise.all(ids.map(async (id) => (await kv.get<KeyRecord>(keyKey(id))).value));
      return keys.filter((k): k is KeyRecord => k !== null);
    },
    revokeKey: (t, id, at) => retry('Revoking the key', async () => {
      const e = await kv.get<KeyRecord>(keyKey(id));
      if (e.value === null || e.value.tenant !== t) return false;
      if (e.value.revokedAt !== null) return true;
      return (await kv.atomic().check(e).set(keyKey(id), { ...e.value, revokedAt: at }).commit()).ok ? true : undefined;
    }),
  };
}
