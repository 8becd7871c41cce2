import { createHash } from 'node:crypto';

/** Hex sha256 of bytes or of a string's UTF-8: the digest the manifest, provenance and cache keys record. */
export const sha256Hex = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');
