/** @module Header: width and height read from the container, without decoding pixels. */
import { PinfaceError } from '../../errors.ts';
import type { ImageFormat } from '../../wasm/codecs.ts';

export interface Dimensions { width: number; height: number }

const corrupt = (what: string): PinfaceError =>
  new PinfaceError('corrupt_image', `[pinface] [decode] ${what}. The file is damaged or not really that format; re-export it.`);

const u16be = (b: Uint8Array, at: number): number => ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
const u32be = (b: Uint8Array, at: number): number => ((b[at] ?? 0) * 2 ** 24) + u16be(b, at + 1) * 256 + (b[at + 3] ?? 0);
const u16le = (b: Uint8Array, at: number): number => (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8);
const u24le = (b: Uint8Array, at: number): number => u16le(b, at) | ((b[at + 2] ?? 0) << 16);

/** Walks JPEG segments to the first SOFn frame header. */
function jpegSize(b: Uint8Array): Dimensions {
  let at = 2;
  while (at + 4 <= b.length) {
    if (b[at] !== 0xff) throw corrupt('JPEG marker expected');
    const marker = b[at + 1] as number;
    if (marker === 0xff) { at++; continue; } // fill byte
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { at += 2; continue; }
    if (marker === 0xd9 || marker === 0xda) break; // EOI or scan data before any frame header
    const len = u16be(b, at + 2);
    if (len < 2) throw corrupt('JPEG segment length invalid');
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      if (at + 9 > b.length) break;
      return { height: u16be(b, at + 5), width: u16be(b, at + 7) };
    }
    at += 2 + len;
  }
  throw corrupt('JPEG has no frame header (SOF)');
}

function pngSize(b: Uint8Array): Dimensions {
  if (b.length < 24 || String.fromCharCode(...b.subarray(12, 16)) !== 'IHDR') throw corrupt('PNG has no IHDR chunk');
  return { width: u32be(b, 16), height: u32be(b, 20) };
}

function webpSize(b: Uint8Array): Dimensions {
  const chunk = String.fromCharCode(...b.subarray(12, 16));
  if (chunk === 'VP8 ' && b.length >= 30) {
    if (b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) throw corrupt('WebP VP8 frame tag missing');
    return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
  }
  if (chunk === 'VP8L' && b.length >= 25) {
    if (b[20] !== 0x2f) throw corrupt('WebP VP8L signature missing');
    const bits = (b[21] ?? 0) | ((b[22] ?? 0) << 8) | ((b[23] ?? 0) << 16) | ((b[24] ?? 0) << 24);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X' && b.length >= 30) return { width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
  throw corrupt(`WebP chunk "${chunk}" is not an image header`);
}

export function readDimensions(b: Uint8Array, format: ImageFormat): Dimensions {
  const d = format === 'jpeg' ? jpegSize(b) : format === 'png' ? pngSize(b) : webpSize(b);
  if (d.width === 0 || d.height === 0) throw corrupt(`${format} header says ${d.width}x${d.height}`);
  return d;
}

/** A JPEG without an EOI marker after its scan is truncated; mozjpeg would pad it with grey. */
export function jpegLooksComplete(b: Uint8Array): boolean {
  for (let i = b.length - 2; i >= Math.max(2, b.length - 4096); i--) if (b[i] === 0xff && b[i + 1] === 0xd9) return true;
  return false;
}
