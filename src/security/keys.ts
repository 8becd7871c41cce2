/**
 * @module API keys: bearer tokens `pfk.<id>.<secret>`. Only the SHA-256 of a token is stored; a
 * presented token is looked up by its id and its hash compared in constant time, so neither a
 * stolen table nor response timing gives a usable key.
 */
import { PinfaceError } from '../errors.ts';
import { newId, type KeyRecord, type Store } from '../store/types.ts';

const hex = (b: ArrayBuffer): string => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');

export const sha256Hex = async (text: string): Promise<string> => hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));

/** Equal-length strings compared without an early exit; a length difference is not secret (hashes are fixed-length). */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

const base64url = (b: Uint8Array): string => btoa(String.fromCharCode(...b)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');

export interface IssuedKey {
  record: KeyRecord;
  /** The bearer token: returned once, at creation; pinface cannot show it again. */
  token: string;
}

export async function issueKey(store: Store, tenant: string, now = new Date()): Promise<IssuedKey> {
  const id = newId('key');
  const token = `pfk.${id}.${base64url(crypto.getRandomValues(new Uint8Array(32)))}`;
  const record: KeyRecord = { id, tenant, hash: await sha256Hex(token), createdAt: now.toISOString(), revokedAt: null };
  await store.putKey(record);
  return { record, token };
}

export const unauthorized = (detail: string): PinfaceError =>
  new PinfaceError('unauthorized', `[pinface] [auth] ${detail}`, { headers: { 'www-authenticate': 'Bearer realm="pinface"' } });

const TOKEN = /^pfk\.(key_[0-9a-f]{24})\.[A-Za-z0-9_-]{43}$/;

/** The key a bearer token belongs to, or 401 for a missing, malformed, unknown or revoked one. */
export async function authenticateKey(store: Store, authorization: string | undefined): Promise<KeyRecord> {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  if (token === undefined) throw unauthorized('Send an API key: "Authorization: Bearer pfk.…".');
  const id = TOKEN.exec(token)?.[1];
  // Hash before any lookup, so a malformed and an unknown token cost the same.
  const hash = await sha256Hex(token);
  const record = id === undefined ? null : await store.getKey(id);
  if (record === null || !constantTimeEqual(hash, record.hash) || record.revokedAt !== null) {
    throw unauthorized('The API key is not valid (unknown, revoked or mistyped).');
  }
  return record;
}

/** The operator's admin token (a deployment secret), compared as hashes in constant time. */
export async function checkAdminToken(configured: string | undefined, authorization: string | undefined): Promise<void> {
  if (!configured) throw new PinfaceError('forbidden', '[pinface] [auth] No admin token is configured (set the PINFACE_ADMIN_TOKEN secret).');
  const given = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1] ?? '';
  if (!constantTimeEqual(await sha256Hex(given), await sha256Hex(configured))) throw unauthorized('The admin token is not valid.');
}
