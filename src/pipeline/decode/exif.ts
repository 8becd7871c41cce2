/** @module EXIF: the orientation tag (0x0112) of a JPEG's APP1 segment; 1 on anything odd. */

export type Orientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

export function jpegOrientation(b: Uint8Array): Orientation {
  let at = 2;
  while (at + 4 <= b.length && b[at] === 0xff) {
    const marker = b[at + 1] as number;
    const len = ((b[at + 2] ?? 0) << 8) | (b[at + 3] ?? 0);
    if (marker === 0xda || marker === 0xd9 || len < 2) return 1;
    if (marker === 0xe1 && String.fromCharCode(...b.subarray(at + 4, at + 10)) === 'Exif\0\0') {
      return tiffOrientation(b.subarray(at + 10, Math.min(b.length, at + 2 + len)));
    }
    at += 2 + len;
  }
  return 1;
}

function tiffOrientation(t: Uint8Array): Orientation {
  if (t.length < 8) return 1;
  const le = t[0] === 0x49 && t[1] === 0x49;
  if (!le && !(t[0] === 0x4d && t[1] === 0x4d)) return 1;
  const u16 = (at: number): number => (le ? (t[at] ?? 0) | ((t[at + 1] ?? 0) << 8) : ((t[at] ?? 0) << 8) | (t[at + 1] ?? 0));
  const u32 = (at: number): number => (le ? u16(at) + u16(at + 2) * 65536 : u16(at) * 65536 + u16(at + 2));
  if (u16(2) !== 42) return 1;
  const ifd = u32(4);
  if (ifd + 2 > t.length) return 1;
  const n = u16(ifd);
  for (let i = 0; i < n; i++) {
    const e = ifd + 2 + 12 * i;
    if (e + 12 > t.length) return 1;
    if (u16(e) === 0x0112) {
      const v = u16(e + 8);
      return v >= 1 && v <= 8 ? (v as Orientation) : 1;
    }
  }
  return 1;
}
