/** Test fixtures as bytes, read relative to this file so every harness finds them. */
import { readFileSync } from 'node:fs';

const at = (p: string): Uint8Array<ArrayBuffer> => new Uint8Array(readFileSync(new URL(`../fixtures/${p}`, import.meta.url)));

export const faces = {
  a1: at('faces/person-a-1.jpg'),
  a2: at('faces/person-a-2.jpg'),
  b1: at('faces/person-b-1.jpg'),
  two: at('faces/two-faces.jpg'),
  /** The service's own aligned crops of a1 and a2 (scripts/make-aligned-fixtures.ts), 112x112 gray PNG. */
  alignedA1: at('faces/aligned-a-1.png'),
  alignedA2: at('faces/aligned-a-2.png'),
};

export const bad = {
  truncatedJpeg: at('bad/truncated.jpg'),
  pngBomb: at('bad/bomb.png'),
  gif: at('bad/tiny.gif'),
  zero: at('bad/zero.bin'),
  hugeHeader: at('bad/huge-header.jpg'),
  text: at('bad/text.txt'),
  noFace: at('bad/no-face.png'),
};

export const toBase64 = (bytes: Uint8Array<ArrayBuffer>): string => Buffer.from(bytes).toString('base64');
