-- pinface gallery schema (Cloudflare D1). Applied by wrangler: npm start runs
-- `wrangler d1 migrations apply pinface --local` first; deploy with `--remote`.
-- Templates only: embeddings and face boxes, never image bytes.
CREATE TABLE subjects (
  tenant TEXT NOT NULL,
  id TEXT NOT NULL,
  label TEXT,
  created_at TEXT NOT NULL,
  PRIMARY KEY (tenant, id)
);

CREATE TABLE faces (
  tenant TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  id TEXT NOT NULL,
  version TEXT NOT NULL,
  embedding BLOB NOT NULL,
  box TEXT NOT NULL,
  score REAL NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (tenant, subject_id, id),
  FOREIGN KEY (tenant, subject_id) REFERENCES subjects (tenant, id) ON DELETE CASCADE
);
CREATE INDEX faces_by_version ON faces (tenant, version);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  tenant TEXT NOT NULL,
  hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE INDEX api_keys_by_tenant ON api_keys (tenant);
