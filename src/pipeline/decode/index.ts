/**
 * @module Decode: bytes -> upright RGBA. Limits on bytes and pixels are enforced from the
 * header before any pixel is decoded; every failure is a coded PinfaceError.
 */
import type { Limits } from '../../config.ts';
import { PinfaceError, isPinfaceError } from '../../errors.ts';
import type { ImageDecoders, ImageFormat } from '../../wasm/codecs.ts';
import type { RgbaImage } from '../image.ts';
import { jpegOrientation, type Orientation } from './exif.ts';
import { jpegLooksComplete, readDimensions } from './header.ts';
import { applyOrientation } from './orient.ts';
import { sniffFormat } from './sniff.ts';

export interface DecodedImage extends RgbaImage {
  format: ImageFormat;
  orientation: Orientation;
}

export async function decodeImage(bytes: Uint8Array<ArrayBuffer>, decoders: ImageDecoders, limits: Limits): Promise<DecodedImage> {
  if (bytes.length > limits.maxImageBytes) {
    throw new PinfaceError('payload_too_large', `[pinface] [decode] The image has ${bytes.length} bytes; the limit is ${limits.maxImageBytes}.`, {
      extra: { maxImageBytes: limits.maxImageBytes },
    });
  }
  const format = sniffFormat(bytes);
  const { width, height } = readDimensions(bytes, format);
  if (width * height > limits.maxPixels || Math.max(width, height) > limits.maxSide) {
    throw new PinfaceError('too_many_pixels', `[pinface] [decode] The image is ${width}x${height}; the limits are ${limits.maxPixels} pixels and ${limits.maxSide} per side. Downscale it first.`, {
      extra: { width, height, maxPixels: limits.maxPixels, maxSide: limits.maxSide },
    });
  }
  if (format === 'jpeg' && !jpegLooksComplete(bytes)) {
    throw new PinfaceError('corrupt_image', '[pinface] [decode] The JPEG is truncated (no end-of-image marker). Upload the whole file.');
  }
  let img: RgbaImage;
  try {
    img = await decoders[format](bytes);
  } catch (cause) {
    if (isPinfaceError(cause)) throw cause;
    throw new PinfaceError('corrupt_image', `[pinface] [decode] The ${format} data could not be decoded. The file is damaged; re-export it.`, { cause });
  }
  if (img.width !== width || img.height !== height) {
    throw new PinfaceError('corrupt_image', `[pinface] [decode] The ${format} header says ${width}x${height} but the data decodes to ${img.width}x${img.height}.`);
  }
  const orientation = format === 'jpeg' ? jpegOrientation(bytes) : 1;
  return { ...applyOrientation(img, orientation), format, orientation };
}
