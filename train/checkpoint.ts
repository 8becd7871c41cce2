/**
 * @module Training checkpoints: one file holding a JSON header (epoch, step, the run's key, any
 * metrics) and float arrays (weights, optimizer moments), written aside and renamed, so an
 * interrupted write never leaves a checkpoint that half-loads.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeAside } from '../scripts/lib/write-aside.ts';

const MAGIC = 0x504e434b; // "PNCK"

export interface Checkpoint<Meta> {
  meta: Meta;
  arrays: Float32Array[];
}

export function writeCheckpoint<Meta>(path: string, c: Checkpoint<Meta>): void {
  const header = new TextEncoder().encode(JSON.stringify({ meta: c.meta, lengths: c.arrays.map((a) => a.length) }));
  const floats = c.arrays.reduce((s, a) => s + a.length, 0);
  const headerPadded = Math.ceil(header.length / 4) * 4;
  const buf = new Uint8Array(8 + headerPadded + 4 * floats);
  const view = new DataView(buf.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, header.length, true);
  buf.set(header, 8);
  let off = 8 + headerPadded;
  for (const a of c.arrays) { buf.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), off); off += a.byteLength; }
  mkdirSync(dirname(path), { recursive: true });
  writeAside(path, buf);
}

export function readCheckpoint<Meta>(path: string): Checkpoint<Meta> | undefined {
  if (!existsSync(path)) return undefined;
  const b = readFileSync(path);
  const buf = new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  const view = new DataView(buf.buffer);
  if (buf.length < 8 || view.getUint32(0, true) !== MAGIC) throw new Error(`[pinface] [train] ${path} is not a checkpoint`);
  const len = view.getUint32(4, true);
  const { meta, lengths } = JSON.parse(new TextDecoder().decode(buf.subarray(8, 8 + len))) as { meta: Meta; lengths: number[] };
  let off = 8 + Math.ceil(len / 4) * 4;
  const arrays = lengths.map((n) => { const a = new Float32Array(buf.buffer, off, n).slice(); off += 4 * n; return a; });
  return { meta, arrays };
}
