/**
 * @module Header: image dimensions read from the container, without decoding, so that
 * oversized images are refused before a decoder allocates for them.
 */
import type { Limits } from '../../config.ts';
import { PinfaceError } from '../../errors.ts';
import type { ImageFormat } from '../../wasm/codecs.ts';

export interface ImageSize { width: number; height: number }

/** A JPEG marker segment; `offset`/`length` delimit its payload (after the 2 length bytes). */
export interface JpegSegment { marker: number; offset: number; length: number }

export const corruptImage = (what: string, cause?: unknown): PinfaceError =>
  new PinfaceError('corrupt_image', `[pinface] [decode] ${what}. Send the complete, undamaged image file.`, { cause });

const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
const ascii = (b: Uint8Array, at: number, text: string): boolean =>
  [...text].every((c, i) => b[at + i] === c.charCodeAt(0));

const SOS = 0xda;
const EOI = 0xd9;
/** SOF0..SOF15 share C0..CF with DHT (C4), JPG (C8) and DAC (CC), which carry no frame size. */
export const isSof = (m: number): boolean => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

/**
 * The marker segments of a JPEG up to and including the first SOS (or EOI). Bytes between
 * segments are skipped as libjpeg skips them; a segment running past the end throws.
 */
export function* jpegSegments(bytes: Uint8Array): Generator<JpegSegment> {
  const dv = view(bytes);
  let pos = 2;
  while (pos + 1 < bytes.length) {
    if (bytes[pos] !== 0xff) { pos++; continue; }
    const marker = bytes[pos + 1] as number;
    if (marker === 0xff || marker === 0x00) { pos++; continue; } // fill byte or stuffed zero
    pos += 2;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // no payload
    if (marker === 0xd8) throw corruptImage('The JPEG has a second start-of-image marker in its header');
    if (marker === EOI) { yield { marker, offset: pos, length: 0 }; return; }
    if (pos + 2 > bytes.length) break;
    const size = dv.getUint16(pos);
    if (size < 2) throw corruptImage(`The JPEG has a malformed segment (marker 0x${marker.toString(16)})`);
    if (pos + size > bytes.length) break;
    yield { marker, offset: pos + 2, length: size - 2 };
    if (marker === SOS) return;
    pos += size;
  }
  throw corruptImage('The JPEG header is truncated');
}

function jpegSize(bytes: Uint8Array): ImageSize {
  for (const seg of jpegSegments(bytes)) {
    if (isSof(seg.marker)) {
      if (seg.length < 6) throw corruptImage('The JPEG frame header (SOF) is too short');
      const dv = view(bytes);
      return { height: dv.getUint16(seg.offset + 1), width: dv.getUint16(seg.offset + 3) };
    }
    if (seg.marker === SOS || seg.marker === EOI) break;
  }
  throw corruptImage('The JPEG has no frame header (SOF) before its image data');
}

function pngSize(bytes: Uint8Array): ImageSize {
  if (bytes.length < 33) throw corruptImage('The PNG header is truncated');
  const dv = view(bytes);
  if (dv.getUint32(8) !== 13 || !ascii(bytes, 12, 'IHDR')) throw corruptImage('The PNG does not start with an IHDR chunk');
  const width = dv.getUint32(16);
  const height = dv.getUint32(20);
  // The PNG spec caps dimensions at 2^31 - 1.
  if (width > 0x7fffffff || height > 0x7fffffff) throw corruptImage('The PNG header has out-of-range dimensions');
  return { width, height };
}

function webpSize(bytes: Uint8Array): ImageSize {
  if (bytes.length < 30) throw corruptImage('The WebP header is truncated');
  const dv = view(bytes);
  if (dv.getUint32(4, true) + 8 > bytes.length) throw corruptImage('The WebP file is truncated');
  const payload = 20;
  if (ascii(bytes, 12, 'VP8 ')) {
    // Lossy: 3-byte frame tag, start code 9d 01 2a, then 14-bit width and height (2 scale bits).
    if ((bytes[payload] as number) & 1 || !(bytes[23] === 0x9d && bytes[24] === 0x01 && bytes[25] === 0x2a)) {
      throw corruptImage('The WebP (VP8) key frame header is malformed');
    }
    return { width: dv.getUint16(26, true) & 0x3fff, height: dv.getUint16(28, true) & 0x3fff };
  }
  if (ascii(bytes, 12, 'VP8L')) {
    if (bytes[payload] !== 0x2f) throw corruptImage('The WebP (VP8L) header has a bad signature');
    const bits = dv.getUint32(payload + 1, true);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (ascii(bytes, 12, 'VP8X')) {
    if ((bytes[payload] as number) & 0x02) {
      throw new PinfaceError('unsupported_media_type', '[pinface] [decode] Unsupported image format "animated webp". Should be one of: jpeg, png, webp (still).', {
        extra: { detected: 'animated webp' },
      });
    }
    const u24 = (at: number): number => dv.getUint16(at, true) + ((bytes[at + 2] as number) << 16);
    return { width: u24(payload + 4) + 1, height: u24(payload + 7) + 1 };
  }
  throw corruptImage('The WebP has no VP8, VP8L or VP8X chunk where one is required');
}

/** Width and height as the file's header states them; throws corrupt_image when it cannot be read. */
export function readImageSize(bytes: Uint8Array, format: ImageFormat): ImageSize {
  const size = format === 'jpeg' ? jpegSize(bytes) : format === 'png' ? pngSize(bytes) : webpSize(bytes);
  if (size.width === 0 || size.height === 0) throw corruptImage(`The ${format} header states a ${size.width}x${size.height} image`);
  return size;
}

/** Refuses sizes over `limits.maxPixels` or `limits.maxSide` (too_many_pixels). */
export function checkPixelLimits({ width, height }: ImageSize, limits: Limits): void {
  if (width * height <= limits.maxPixels && Math.max(width, height) <= limits.maxSide) return;
  throw new PinfaceError(
    'too_many_pixels',
    `[pinface] [decode] The image is ${width}x${height} (${width * height} pixels); the limit is ${limits.maxPixels} pixels and ${limits.maxSide} per side. Resize the image before sending it.`,
    { extra: { width, height, maxPixels: limits.maxPixels, maxSide: limits.maxSide } },
  );
}

/** A JPEG whose scan has no end-of-image marker is cut short; mozjpeg would fill the rest with grey. */
export function checkJpegComplete(bytes: Uint8Array): void {
  let scan = -1;
  for (const seg of jpegSegments(bytes)) if (seg.marker === SOS) scan = seg.offset + seg.length;
  if (scan < 0) throw corruptImage('The JPEG has no image data (SOS)');
  for (let i = bytes.indexOf(0xff, scan); i >= 0 && i + 1 < bytes.length; i = bytes.indexOf(0xff, i + 1)) {
    if (bytes[i + 1] === EOI) return;
  }
  throw corruptImage('The JPEG is truncated: its image data has no end-of-image marker');
}
