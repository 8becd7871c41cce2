/** @module Sniff: name an upload's format from its first bytes, whatever the client claimed. */
import { PinfaceError } from '../../errors.ts';
import type { ImageFormat } from '../../wasm/codecs.ts';

export const supportedFormats: readonly ImageFormat[] = ['jpeg', 'png', 'webp'];

const ascii = (bytes: Uint8Array, at: number, text: string): boolean => {
  if (bytes.length < at + text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false;
  return true;
};

const startsWith = (bytes: Uint8Array, magic: readonly number[]): boolean =>
  bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);

const HEIF_BRANDS = new Map(Object.entries({
  avif: 'avif', avis: 'avif', heic: 'heic', heix: 'heic', hevc: 'heic', hevx: 'heic',
  heim: 'heic', heis: 'heic', mif1: 'heif', msf1: 'heif',
}));

/** Names non-image payloads clients send by mistake (form fields, JSON, base64, error pages). */
function nameText(bytes: Uint8Array): string | undefined {
  const head = bytes.subarray(0, 512);
  for (const b of head) if (b < 0x09 || (b > 0x0d && b < 0x20) || b === 0x7f) return undefined;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(head).trimStart();
  if (text.startsWith('{') || text.startsWith('[')) return 'json';
  if (text.startsWith('data:')) return 'data-url';
  // Base64 of a JPEG, PNG or WebP: the bytes were encoded once more than the API expects.
  if (/^(\/9j\/|iVBORw0KGgo|UklGR)/.test(text)) return 'base64';
  const lower = text.slice(0, 256).toLowerCase();
  if (lower.startsWith('<svg') || (lower.startsWith('<?xml') && lower.includes('<svg'))) return 'svg';
  if (lower.startsWith('<!doctype html') || lower.startsWith('<html')) return 'html';
  if (lower.startsWith('<?xml')) return 'xml';
  return 'text';
}

/** What the bytes look like, for error messages: a supported format or another name. */
export function identifyFormat(bytes: Uint8Array): ImageFormat | string {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (ascii(bytes, 0, 'RIFF') && ascii(bytes, 8, 'WEBP')) return 'webp';
  if (ascii(bytes, 0, 'GIF87a') || ascii(bytes, 0, 'GIF89a')) return 'gif';
  if (ascii(bytes, 0, 'II*\0') || ascii(bytes, 0, 'MM\0*')) return 'tiff';
  if (ascii(bytes, 0, '%PDF-')) return 'pdf';
  if (ascii(bytes, 4, 'ftyp')) {
    const brand = String.fromCharCode(...bytes.subarray(8, 12));
    return HEIF_BRANDS.get(brand) ?? 'iso-bmff';
  }
  if (startsWith(bytes, [0xff, 0x0a]) || ascii(bytes, 4, 'JXL ')) return 'jxl';
  if (ascii(bytes, 0, 'RIFF')) return 'riff';
  // "BM" alone is too weak (text starts with it too): also require the zero reserved words.
  if (ascii(bytes, 0, 'BM') && bytes.length >= 14 && [6, 7, 8, 9].every((i) => bytes[i] === 0)) return 'bmp';
  if (startsWith(bytes, [0x00, 0x00, 0x01, 0x00])) return 'ico';
  return nameText(bytes) ?? 'unknown';
}

const isSupported = (name: string): name is ImageFormat => (supportedFormats as readonly string[]).includes(name);

/**
 * The format to decode `bytes` as, from magic bytes only.
 * @example sniffFormat(await file.bytes()) // 'jpeg'
 */
export function sniffFormat(bytes: Uint8Array): ImageFormat {
  if (bytes.length === 0) {
    throw new PinfaceError('corrupt_image', '[pinface] [decode] The image is empty (0 bytes). Send the image file itself.', {
      extra: { bytes: 0 },
    });
  }
  const found = identifyFormat(bytes);
  if (isSupported(found)) return found;
  throw new PinfaceError(
    'unsupported_media_type',
    `[pinface] [decode] Unsupported image format "${found}". Should be one of: ${supportedFormats.join(', ')}.`,
    { extra: { detected: found, supported: [...supportedFormats] } },
  );
}
