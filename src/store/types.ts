/**
 * @module Store port: what pinface keeps about enrolled people, behind one interface with a
 * driver per backend (unstorage's pattern): memory.ts, d1.ts, deno-kv.ts.
 *
 * Only templates are kept: an embedding and the face's box/score, never image bytes. Every call
 * names its tenant, so isolation is a property of the port, not of each route.
 */

export interface SubjectRecord {
  id: string;
  /** Caller's label (an account id, a display name); optional, at most 200 characters. */
  label: string | null;
  createdAt: string;
}

export interface FaceRecord {
  id: string;
  subjectId: string;
  /**
   * Which recognizer and defense produced the embedding ("fr_feature@…/pin-threshold"): a
   * template is only ever compared with probes of the same version.
   */
  version: string;
  embedding: Float32Array;
  /** Detector box and score in the enrolment photo: metadata for the caller, not the photo. */
  box: { x: number; y: number; width: number; height: number };
  score: number;
  createdAt: string;
}

export interface KeyRecord {
  id: string;
  tenant: string;
  /** SHA-256 of the whole bearer token, hex: the token itself is shown once and never stored. */
  hash: string;
  createdAt: string;
  revokedAt: string | null;
}

export interface Page<T> {
  items: T[];
  /** Pass back to get the next page; null on the last one. */
  cursor: string | null;
}

export interface Store {
  createSubject(tenant: string, subject: SubjectRecord): Promise<void>;
  getSubject(tenant: string, id: string): Promise<SubjectRecord | null>;
  /** Subjects ordered by id. */
  listSubjects(tenant: string, limit: number, cursor: string | null): Promise<Page<SubjectRecord>>;
  /** Erases the subject and every template it has; false when there was no such subject. */
  deleteSubject(tenant: string, id: string): Promise<boolean>;
  /** False when the subject does not exist (in this tenant): the template is not written. */
  addFace(tenant: string, face: FaceRecord): Promise<boolean>;
  /** A subject's templates ordered by id. */
  listFaces(tenant: string, subjectId: string): Promise<FaceRecord[]>;
  deleteFace(tenant: string, subjectId: string, faceId: string): Promise<boolean>;
  /** Every template of a tenant at one version, for 1:N search. */
  facesAtVersion(tenant: string, version: string): Promise<FaceRecord[]>;
  putKey(key: KeyRecord): Promise<void>;
  getKey(id: string): Promise<KeyRecord | null>;
  listKeys(tenant: string): Promise<KeyRecord[]>;
  /** Marks a key revoked (kept, so an audit can see it existed); false when unknown in this tenant. */
  revokeKey(tenant: string, id: string, at: string): Promise<boolean>;
}

/** Templates travel and rest as little-endian f32 bytes: 2 KiB for 512 dimensions. */
export const embeddingBytes = (e: Float32Array): Uint8Array<ArrayBuffer> => {
  const out = new Uint8Array(e.length * 4);
  const view = new DataView(out.buffer);
  e.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return out;
};

export const embeddingFromBytes = (bytes: Uint8Array | ArrayBuffer): Float32Array => {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const view = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  return Float32Array.from({ length: u8.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
};

/** Ids are random, URL-safe and unguessable (a subject id is not a secret, but enumeration should not be easy). */
export const newId = (prefix: string): string => {
  const b = crypto.getRandomValues(new Uint8Array(12));
  return `${prefix}_${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')}`;
};
