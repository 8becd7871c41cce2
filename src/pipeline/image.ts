/** @module Images: the RGBA raster every stage passes on, and pure resampling helpers. */

/** Decoded image, 8-bit RGBA, row-major, no padding (the shape of the web's ImageData). */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray | Uint8Array;
}
