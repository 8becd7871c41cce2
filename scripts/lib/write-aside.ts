/**
 * @module Writing a file so that nobody sees it half written: the bytes go to a name aside, then one rename puts them
 * in place (a reader sees the old file or the new one; a crash leaves no partial file).
 */
import { randomBytes } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';

/**
 * The name aside is unique to the call: two processes writing the same file at once (the lanes of a worst-case run
 * each aligning the faces on a fresh machine) cannot rename each other's aside away. The last rename wins; they write
 * the same bytes.
 */
export function writeAside(path: string, data: string | Uint8Array): void {
  const aside = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(aside, data);
  renameSync(aside, path);
}
