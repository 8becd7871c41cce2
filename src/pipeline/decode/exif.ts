/** @module EXIF: the orientation tag (0x0112) of a JPEG's APP1 Exif segment; 1 on anything odd. */
import { jpegSegments } from './header.ts';

/** EXIF orientation: 1 upright, 2..4 mirrored/rotated 180, 5..8 with width and height swapped. */
export type Orientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

const APP1 = 0xe1;
const ORIENTATION_TAG = 0x0112;
const SHORT = 3;

const isOrientation = (v: number): v is Orientation => Number.isInteger(v) && v >= 1 && v <= 8;

/**
 * Orientation from a TIFF structure (the Exif payload after "Exif\0\0"): IFD0's 0x0112 entry,
 * in either byte order. Every read is bounds-checked; malformed input gives 1, never a throw.
 */
export function tiffOrientation(tiff: Uint8Array): Orientation {
  if (tiff.length < 8) return 1;
  const dv = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const order = String.fromCharCode(tiff[0] as number, tiff[1] as number);
  if (order !== 'II' && order !== 'MM') return 1;
  const le = order === 'II';
  if (dv.getUint16(2, le) !== 42) return 1;
  const ifd = dv.getUint32(4, le);
  if (ifd < 8 || ifd + 2 > tiff.length) return 1;
  const count = dv.getUint16(ifd, le);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + 12 * i;
    if (entry + 12 > tiff.length) return 1;
    if (dv.getUint16(entry, le) !== ORIENTATION_TAG) continue;
    // A SHORT with count 1 sits in the first two bytes of the value field, in either byte order.
    if (dv.getUint16(entry + 2, le) !== SHORT || dv.getUint32(entry + 4, le) !== 1) return 1;
    const value = dv.getUint16(entry + 8, le);
    return isOrientation(value) ? value : 1;
  }
  return 1;
}

/**
 * The EXIF orientation of a JPEG, from the first APP1 segment that starts with "Exif\0\0".
 * @example jpegOrientation(bytes) // 6: the stored image must turn 90 degrees clockwise
 */
export function jpegOrientation(jpeg: Uint8Array): Orientation {
  try {
    for (const seg of jpegSegments(jpeg)) {
      if (seg.marker !== APP1 || seg.length < 6) continue;
      const payload = jpeg.subarray(seg.offset, seg.offset + seg.length);
      if (String.fromCharCode(...payload.subarray(0, 6)) === 'Exif\0\0') return tiffOrientation(payload.subarray(6));
    }
  } catch {
    // A malformed header is reported by the header check; orientation is best effort.
  }
  return 1;
}
