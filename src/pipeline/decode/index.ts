/**
 * @module Decode: bytes -> upright RGBA. Limits on bytes and pixels are enforced from the
 * header before any pixel is decoded; every failure is a coded PinfaceError. Image bytes are
 * never logged or kept.
 */
import type { Limits } from '../../config.ts';
import { PinfaceError, isPinfaceError } from '../../errors.ts';
import type { ImageDecoders, ImageFormat } from '../../wasm/codecs.ts';
import { type FinerView, type RgbaImage, releaseBuffer } from '../image.ts';
import { jpegOrientation, type Orientation } from './exif.ts';
import { checkJpegComplete, checkPixelLimits, corruptImage, readImageSize, type ImageSize } from './header.ts';
import { applyOrientation, type PixelBox, storedRect, uprightRect } from './orient.ts';
import { decodeScaledJpeg, JpegDataError, type JpegScale, type ScaledJpeg, scaledJpegSupport } from './scaled-jpeg/index.ts';
import { sniffFormat } from './sniff.ts';

export interface DecodedImage extends RgbaImage {
  format: ImageFormat;
  /** The EXIF orientation that was applied (1 for PNG and WebP). */
  orientation: Orientation;
  /** Size as stored in the file, before orientation. */
  sourceWidth: number;
  sourceHeight: number;
  /** 1, or 2, 4, 8 when a large JPEG was decoded at that reduced scale: one pixel here is scale x scale in the file. */
  scale: JpegScale;
  /** For reduced-scale decodes: a region of this image decoded again, finer (see decodeDetail). */
  detail?: (region: PixelBox, faceSide: number) => FinerView | undefined;
}

/** Long side a reduced-scale decode keeps at least: the detector sees 320 x 240, the face is refined separately. */
export const REDUCED_LONG_SIDE = 1000;
/** A face whose shorter side comes out below this many pixels is decoded again at a finer scale (2x the aligned crop). */
export const DETAIL_FACE_SIDE = 224;

/**
 * The scale a large JPEG decodes at: the coarsest that keeps REDUCED_LONG_SIDE, or failing that the
 * finest whose result fits the full-decode cap; null when even 1/8 does not fit.
 */
export function reducedScale({ width, height }: ImageSize, limits: Limits): JpegScale | null {
  const fits = (s: number): boolean => Math.ceil(width / s) * Math.ceil(height / s) <= limits.maxPixels;
  for (const s of [8, 4, 2] as const) if (Math.max(width, height) / s >= REDUCED_LONG_SIDE && fits(s)) return s;
  for (const s of [2, 4, 8] as const) if (fits(s)) return s;
  return null;
}

/** A fresh decode turned upright; a turned copy frees the decode's own pixels at once (they are nobody else's). */
function orientDecoded(decoded: RgbaImage, orientation: Orientation): RgbaImage {
  const upright = applyOrientation(decoded, orientation);
  if (upright.data !== decoded.data) releaseBuffer(decoded.data);
  return upright;
}

const scaledCorrupt = (cause: unknown): never => {
  if (cause instanceof JpegDataError) throw corruptImage(`The JPEG image data could not be decoded: ${cause.message}`, cause);
  throw cause;
};

/**
 * A reduced-scale decode, with a `detail` that decodes the region around a small face again at the
 * scale that makes it DETAIL_FACE_SIDE pixels across (or full size).
 */
function decodeReduced(bytes: Uint8Array, size: ImageSize, scale: JpegScale, orientation: Orientation): Omit<DecodedImage, 'format'> {
  let raw: ScaledJpeg;
  try {
    raw = decodeScaledJpeg(bytes, { scale });
  } catch (e) {
    return scaledCorrupt(e);
  }
  // Where the rows of each scan start: the finer decode of the face's region reads only its rows.
  const { resume } = raw;
  const upright = orientDecoded(raw, orientation);
  const detail = (region: PixelBox, faceSide: number): FinerView | undefined => {
    let finer: JpegScale = scale;
    while (finer > 1 && (faceSide * scale) / finer < DETAIL_FACE_SIDE) finer = (finer / 2) as JpegScale;
    if (finer === scale) return undefined;
    // The region in stored full-size pixels: upright reduced pixels -> stored reduced -> x scale.
    const inStored = storedRect(region, orientation, raw.width, raw.height);
    let part: ScaledJpeg;
    try {
      const region = { x: inStored.x * scale, y: inStored.y * scale, width: inStored.width * scale, height: inStored.height * scale };
      part = decodeScaledJpeg(bytes, { scale: finer, region, ...(resume ? { resume } : {}) });
    } catch (e) {
      return scaledCorrupt(e);
    }
    // Where the decoded part sits in the upright image at the finer scale.
    const at = uprightRect({ x: part.left, y: part.top, width: part.width, height: part.height }, orientation, part.fullWidth, part.fullHeight);
    const zoom = scale / finer;
    return { image: orientDecoded(part, orientation), originX: at.x / zoom, originY: at.y / zoom, zoom };
  };
  return { width: upright.width, height: upright.height, data: upright.data, orientation, sourceWidth: size.width, sourceHeight: size.height, scale, detail };
}

/**
 * Sniffs, checks limits from the header, decodes and turns the image upright.
 * @example const img = await decodeImage(bytes, createDecoders(modules), defaultLimits);
 */
export async function decodeImage(bytes: Uint8Array<ArrayBuffer>, decoders: ImageDecoders, limits: Limits): Promise<DecodedImage> {
  if (bytes.length > limits.maxImageBytes) {
    throw new PinfaceError(
      'payload_too_large',
      `[pinface] [decode] The image has ${bytes.length} bytes; the limit is ${limits.maxImageBytes}. Send a smaller or more compressed image.`,
      { extra: { bytes: bytes.length, maxImageBytes: limits.maxImageBytes } },
    );
  }
  const format = sniffFormat(bytes);
  const { width, height } = readImageSize(bytes, format);
  if (format === 'jpeg' && width * height > limits.reducedScaleAbove && scaledJpegSupport(bytes)) {
    checkPixelLimits({ width, height }, { ...limits, maxPixels: limits.maxJpegPixels });
    const scale = reducedScale({ width, height }, limits);
    if (scale) {
      checkJpegComplete(bytes);
      return { format, ...decodeReduced(bytes, { width, height }, scale, jpegOrientation(bytes)) };
    }
  }
  checkPixelLimits({ width, height }, limits);
  if (format === 'jpeg') checkJpegComplete(bytes);
  let raw: RgbaImage;
  try {
    raw = await decoders[format](bytes);
  } catch (cause) {
    if (isPinfaceError(cause)) throw cause;
    throw corruptImage(`The ${format} image data could not be decoded`, cause);
  }
  if (raw.width !== width || raw.height !== height || raw.data.length !== width * height * 4) {
    throw corruptImage(`The ${format} header says ${width}x${height} but the data decodes to ${raw.width}x${raw.height}`);
  }
  const orientation = format === 'jpeg' ? jpegOrientation(bytes) : 1;
  const upright = orientDecoded(raw, orientation);
  return { width: upright.width, height: upright.height, data: upright.data, format, orientation, sourceWidth: width, sourceHeight: height, scale: 1 };
}
