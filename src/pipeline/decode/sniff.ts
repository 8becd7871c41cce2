/** @module Sniff: the format from magic bytes, never from the client's Content-Type. */
import { PinfaceError } from '../../errors.ts';
import type { ImageFormat } from '../../wasm/codecs.ts';

const starts = (b: Uint8Array, sig: readonly number[], at = 0): boolean => sig.every((v, i) => b[at + i] === v);
const ascii = (b: Uint8Array, at: number, len: number): string => String.fromCharCode(...b.subarray(at, at + len));

/** Formats we recognise only to name them in the error. */
function nameOther(b: Uint8Array): string {
  if (ascii(b, 0, 4) === 'GIF8') return 'gif';
  if (starts(b, [0x42, 0x4d])) return 'bmp';
  if (starts(b, [0x49, 0x49, 0x2a, 0x00]) || starts(b, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (ascii(b, 4, 4) === 'ftyp') {
    const brand = ascii(b, 8, 4);
    return /^(heic|heix|hevc|mif1|msf1)$/.test(brand) ? 'heic' : brand.startsWith('avi') ? 'avif' : 'iso-bmff';
  }
  if (ascii(b, 0, 5) === '%PDF-') return 'pdf';
  if (ascii(b, 0, 5) === '<?xml' || ascii(b, 0, 4) === '<svg') return 'svg/xml';
  const head = b.subarray(0, 64);
  if (head.length > 0 && head.every((c) => c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127))) return 'text';
  return 'unknown';
}

export function sniffFormat(b: Uint8Array): ImageFormat {
  if (b.length === 0) {
    throw new PinfaceError('corrupt_image', '[pinface] [decode] The image is empty (0 bytes). Send the file contents.');
  }
  if (starts(b, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (starts(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return 'webp';
  const found = nameOther(b);
  throw new PinfaceError('unsupported_media_type', `[pinface] [decode] Unsupported image format "${found}". Should be one of: jpeg, png, webp.`, {
    extra: { detected: found },
  });
}
