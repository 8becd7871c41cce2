/** @module Memory driver: a Store in Maps, for Node, tests and single-isolate demos (lost on restart). */
import type { FaceRecord, KeyRecord, Page, Store, SubjectRecord } from './types.ts';

interface TenantData {
  subjects: Map<string, SubjectRecord>;
  faces: Map<string, Map<string, FaceRecord>>;
}

const byId = <T extends { id: string }>(a: T, b: T): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
// Callers get copies: a route mutating a record must not change what is stored.
const copyFace = (f: FaceRecord): FaceRecord => ({ ...f, box: { ...f.box }, embedding: f.embedding.slice() });

export function memoryStore(): Store {
  const tenants = new Map<string, TenantData>();
  const keys = new Map<string, KeyRecord>();
  const tenant = (t: string): TenantData => {
    let d = tenants.get(t);
    if (!d) tenants.set(t, (d = { subjects: new Map(), faces: new Map() }));
    return d;
  };
  return {
    async createSubject(t, s) {
      tenant(t).subjects.set(s.id, { ...s });
      tenant(t).faces.set(s.id, new Map());
    },
    async getSubject(t, id) {
      const s = tenant(t).subjects.get(id);
      return s ? { ...s } : null;
    },
    async listSubjects(t, limit, cursor): Promise<Page<SubjectRecord>> {
      const all = [...tenant(t).subjects.values()].sort(byId).filter((s) => cursor === null || s.id > cursor);
      const items = all.slice(0, limit).map((s) => ({ ...s }));
      return { items, cursor: all.length > limit ? (items.at(-1)?.id ?? null) : null };
    },
    async deleteSubject(t, id) {
      tenant(t).faces.delete(id);
      return tenant(t).subjects.delete(id);
    },
    async addFace(t, f) {
      const faces = tenant(t).faces.get(f.subjectId);
      if (!faces) return false;
      faces.set(f.id, copyFace(f));
      return true;
    },
    async listFaces(t, subjectId) {
      return [...(tenant(t).faces.get(subjectId)?.values() ?? [])].sort(byId).map(copyFace);
    },
    async deleteFace(t, subjectId, faceId) {
      return tenant(t).faces.get(subjectId)?.delete(faceId) ?? false;
    },
    async facesAtVersion(t, version) {
      return [...tenant(t).faces.values()].flatMap((m) => [...m.values()]).filter((f) => f.version === version).sort(byId).map(copyFace);
    },
    async putKey(k) {
      keys.set(k.id, { ...k });
    },
    async getKey(id) {
      const k = keys.get(id);
      return k ? { ...k } : null;
    },
    async listKeys(t) {
      return [...keys.values()].filter((k) => k.tenant === t).sort(byId).map((k) => ({ ...k }));
    },
    async revokeKey(t, id, at) {
      const k = keys.get(id);
      if (!k || k.tenant !== t) return false;
      k.revokedAt ??= at;
      return true;
    },
  };
}
