/**
 * @module make-bad-fixtures: `npx tsx scripts/make-bad-fixtures.ts` writes the bad-input table's
 * files under test/fixtures/bad/, deterministically, from the face fixtures and a few bytes.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import encodePng, { init as initPngEncode } from '@jsquash/png/encode';
import { repoRoot } from './lib/node-models.ts';

const out = join(repoRoot, 'test', 'fixtures', 'bad');
mkdirSync(out, { recursive: true });
const write = (name: string, bytes: Uint8Array): void => { writeFileSync(join(out, name), bytes); console.log(`${name} ${bytes.length} B`); };
const face = new Uint8Array(readFileSync(join(repoRoot, 'test', 'fixtures', 'faces', 'person-a-1.jpg')));

const crcTable = Array.from({ length: 256 }, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0; });
const crc32 = (b: Uint8Array): number => { let c = 0xffffffff; for (const x of b) c = (crcTable[(c ^ x) & 0xff] as number) ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };

// A JPEG cut at 60 %: the scan ends mid-stream and there is no end-of-image marker.
write('truncated.jpg', face.subarray(0, Math.floor(face.length * 0.6)));

// A valid PNG signature and IHDR claiming 100000 x 100000 RGBA (40 GB decoded), then nothing.
const ihdr = new Uint8Array(17);
const dv = new DataView(ihdr.buffer);
ihdr.set([0x49, 0x48, 0x44, 0x52]);
dv.setUint32(4, 100_000); dv.setUint32(8, 100_000); ihdr.set([8, 6, 0, 0, 0], 12);
const bomb = new Uint8Array(8 + 4 + 17 + 4);
bomb.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
new DataView(bomb.buffer).setUint32(8, 13);
bomb.set(ihdr, 12);
new DataView(bomb.buffer).setUint32(29, crc32(ihdr));
write('bomb.png', bomb);

// The smallest GIF: 1x1, one colour.
write('tiny.gif', new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 255, 255, 255, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0, 0x3b]));
write('zero.bin', new Uint8Array(0));
write('text.txt', new TextEncoder().encode('this is not an image\n'));

// The face JPEG with its frame header rewritten to 20000 x 20000.
const huge = face.slice();
for (let at = 2; at < huge.length; ) {
  const marker = huge[at + 1] as number;
  const len = ((huge[at + 2] as number) << 8) | (huge[at + 3] as number);
  if (marker >= 0xc0 && marker <= 0xc2) {
    new DataView(huge.buffer).setUint16(at + 5, 20_000);
    new DataView(huge.buffer).setUint16(at + 7, 20_000);
    break;
  }
  at += 2 + len;
}
write('huge-header.jpg', huge);

// No face: a smooth 96x96 gradient.
await initPngEncode(await WebAssembly.compile(readFileSync(join(repoRoot, 'node_modules/@jsquash/png/codec/pkg/squoosh_png_bg.wasm'))));
const W = 96;
const px = new Uint8ClampedArray(W * W * 4);
for (let i = 0; i < W * W; i++) px.set([(i % W) * 2, Math.floor(i / W) * 2, 128, 255], i * 4);
write('no-face.png', new Uint8Array(await encodePng({ width: W, height: W, data: px, colorSpace: 'srgb' } as ImageData)));
