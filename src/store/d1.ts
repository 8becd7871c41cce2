/**
 * @module D1 driver: the Store on Cloudflare D1 (SQLite). Schema in migrations/, applied by
 * wrangler. Locally, `wrangler dev` keeps it in a SQLite file under .wrangler/state.
 */
import { PinfaceError } from '../errors.ts';
import { embeddingBytes, embeddingFromBytes, type FaceRecord, type KeyRecord, type Store, type SubjectRecord } from './types.ts';

/** The subset of D1's API this driver uses (kysely's SqliteDatabase idea), so no workers-types are needed. */
export interface D1Statement {
  bind(...values: unknown[]): D1Statement;
  first<T = Record<string, unknown>>(): Promise<T | null>;
  all<T = Record<string, unknown>>(): Promise<{ results: T[] }>;
  run(): Promise<{ meta: { changes?: number } }>;
}
export interface D1Like {
  prepare(sql: string): D1Statement;
  batch(statements: D1Statement[]): Promise<unknown[]>;
}

interface FaceRow { id: string; subject_id: string; version: string; embedding: ArrayBuffer | Uint8Array | number[]; box: string; score: number; created_at: string }
interface SubjectRow { id: string; label: string | null; created_at: string }
interface KeyRow { id: string; tenant: string; hash: string; created_at: string; revoked_at: string | null }

const face = (r: FaceRow): FaceRecord => ({
  id: r.id, subjectId: r.subject_id, version: r.version,
  // D1 hands BLOBs back as number arrays in some versions, ArrayBuffers in others.
  embedding: embeddingFromBytes(Array.isArray(r.embedding) ? new Uint8Array(r.embedding) : r.embedding),
  box: JSON.parse(r.box) as FaceRecord['box'], score: r.score, createdAt: r.created_at,
});
const subject = (r: SubjectRow): SubjectRecord => ({ id: r.id, label: r.label, createdAt: r.created_at });
const key = (r: KeyRow): KeyRecord => ({ id: r.id, tenant: r.tenant, hash: r.hash, createdAt: r.created_at, revokedAt: r.revoked_at });
const changed = (r: { meta: { changes?: number } }): boolean => (r.meta.changes ?? 0) > 0;

/** A missing table means the migrations were not applied: say so instead of a bare SQL error. */
async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof Error && /no such table/i.test(e.message)) {
      throw new PinfaceError('storage_unavailable', '[pinface] [store] The D1 schema is missing. Run `npx wrangler d1 migrations apply pinface --local` (or --remote).', { cause: e });
    }
    throw e;
  }
}

const FACE_COLUMNS = 'id, subject_id, version, embedding, box, score, created_at';

export function d1Store(db: D1Like | undefined): Store {
  if (!db) throw new PinfaceError('storage_unavailable', '[pinface] [store] No D1 binding named DB. Add [[d1_databases]] binding = "DB" to wrangler.toml.');
  return {
    createSubject: (t, s) => guard(async () => {
      await db.prepare('INSERT INTO subjects (tenant, id, label, created_at) VALUES (?, ?, ?, ?)').bind(t, s.id, s.label, s.createdAt).run();
    }),
    getSubject: (t, id) => guard(async () => {
      const r = await db.prepare('SELECT id, label, created_at FROM subjects WHERE tenant = ? AND id = ?').bind(t, id).first<SubjectRow>();
      return r ? subject(r) : null;
    }),
    listSubjects: (t, limit, cursor) => guard(async () => {
      const { results } = await db.prepare('SELECT id, label, created_at FROM subjects WHERE tenant = ? AND id > ? ORDER BY id LIMIT ?')
        .bind(t, cursor ?? '', limit + 1).all<SubjectRow>();
      const items = results.slice(0, limit).map(subject);
      return { items, cursor: results.length > limit ? (items.at(-1)?.id ?? null) : null };
    }),
    deleteSubject: (t, id) => guard(async () => {
      // One batch is one transaction: no template outlives its subject, even half-way.
      const [, del] = await db.batch([
        db.prepare('DELETE FROM faces WHERE tenant = ? AND subject_id = ?').bind(t, id),
        db.prepare('DELETE FROM subjects WHERE tenant = ? AND id = ?').bind(t, id),
      ]);
      return changed(del as { meta: { changes?: number } });
    }),
    addFace: (t, f) => guard(async () => {
      // Insert only if the subject exists, in one statement, so a concurrent delete cannot leave an orphan.
      const r = await db.prepare(`INSERT INTO faces (tenant, ${FACE_COLUMNS}) SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM subjects WHERE tenant = ? AND id = ?)`)
        .bind(t, f.id, f.subjectId, f.version, embeddingBytes(f.embedding).buffer, JSON.stringify(f.box), f.score, f.createdAt, t, f.subjectId).run();
      return changed(r);
    }),
    listFaces: (t, subjectId) => guard(async () => {
      const { results } = await db.prepare(`SELECT ${FACE_COLUMNS} FROM faces WHERE tenant = ? AND subject_id = ? ORDER BY id`).bind(t, subjectId).all<FaceRow>();
      return results.map(face);
    }),
    deleteFace: (t, subjectId, faceId) => guard(async () =>
      changed(await db.prepare('DELETE FROM faces WHERE tenant = ? AND subject_id = ? AND id = ?').bind(t, subjectId, faceId).run())),
    facesAtVersion: (t, version) => guard(async () => {
      const { results } = await db.prepare(`SELECT ${FACE_COLUMNS} FROM faces WHERE tenant = ? AND version = ? ORDER BY id`).bind(t, version).all<FaceRow>();
      return results.map(face);
    }),
    putKey: (k) => guard(async () => {
      await db.prepare('INSERT INTO api_keys (id, tenant, hash, created_at, revoked_at) VALUES (?, ?, ?, ?, ?)').bind(k.id, k.tenant, k.hash, k.createdAt, k.revokedAt).run();
    }),
    getKey: (id) => guard(async () => {
      const r = await db.prepare('SELECT id, tenant, hash, created_at, revoked_at FROM api_keys WHERE id = ?').bind(id).first<KeyRow>();
      return r ? key(r) : null;
    }),
    listKeys: (t) => guard(async () => {
      const { results } = await db.prepare('SELECT id, tenant, hash, created_at, revoked_at FROM api_keys WHERE tenant = ? ORDER BY id').bind(t).all<KeyRow>();
      return results.map(key);
    }),
    revokeKey: (t, id, at) => guard(async () => {
      const r = await db.prepare('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE tenant = ? AND id = ?').bind(at, t, id).run();
      return changed(r);
    }),
  };
}
