/**
 * @module Decode: bytes -> upright RGBA. Limits on bytes and pixels are enforced from the
 * header before any pixel is decoded; every failure is a coded PinfaceError. Image bytes are
 * never logged or kept.
 */
import type { Limits } from '../../config.ts';
import { PinfaceError, isPinfaceError } from '../../errors.ts';
import type { ImageDecoders, ImageFormat } from '../../wasm/codecs.ts';
import type { RgbaImage } from '../image.ts';
import { jpegOrientation, type Orientation } from './exif.ts';
import { checkJpegComplete, checkPixelLimits, corruptImage, readImageSize } from './header.ts';
import { applyOrientation } from './orient.ts';
import { sniffFormat } from './sniff.ts';

export interface DecodedImage extends RgbaImage {
  format: ImageFormat;
  /** The EXIF orientation that was applied (1 for PNG and WebP). */
  orientation: Orientation;
  /** Size as stored in the file, before orientation. */
  sourceWidth: number;
  sourceHeight: number;
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
  const upright = applyOrientation(raw, orientation);
  return { width: upright.width, height: upright.height, data: upright.data, format, orientation, sourceWidth: width, sourceHeight: height };
}
