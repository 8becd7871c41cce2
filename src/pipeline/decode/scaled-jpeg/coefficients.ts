/**
 * @module Coefficients: per component, the DCT coefficients the chosen scale needs, kept only for
 * the blocks of the requested region. A 1/n scale needs the (8/n)^2 lowest frequencies of a block,
 * so memory follows the output, not the photo: a 48-megapixel progressive JPEG at 1/8 keeps one
 * coefficient per block where libjpeg buffers all 64.
 */

/** Zigzag position -> natural (row-major) index in the 8x8 block. */
export const ZIGZAG = Uint8Array.from([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
]);

export interface FrameComponent {
  id: number;
  h: number;
  v: number;
  quantTable: number;
  /** Blocks that carry image data (a non-interleaved scan codes exactly these). */
  blocksWide: number;
  blocksHigh: number;
  /** Blocks including MCU padding (an interleaved scan codes these). */
  paddedWide: number;
  paddedHigh: number;
}

/** Block rectangle [bx0, bx1) x [by0, by1) of one component. */
export interface BlockRange { bx0: number; by0: number; bx1: number; by1: number }

export class CoefficientStore {
  /** Zigzag position -> index into a block's kept coefficients, -1 when the scale does not need it. */
  readonly keep: Int8Array;
  /** Kept quantised coefficients, sideX x sideY per block of the range (row-major, frequencies). */
  readonly values: Int16Array;
  /** One bit per coefficient of every block: progressive refinement has to know which are non-zero. */
  readonly nonZero: Uint32Array | null;
  readonly stride: number;

  /** Output samples per block, across and down (8 / scale, finer for subsampled chroma). */
  constructor(readonly component: FrameComponent, readonly range: BlockRange, readonly sideX: number, readonly sideY: number, progressive: boolean) {
    this.keep = new Int8Array(64).fill(-1);
    for (let k = 0; k < 64; k++) {
      const z = ZIGZAG[k] as number;
      const u = z & 7, v = z >> 3;
      if (u < sideX && v < sideY) this.keep[k] = v * sideX + u;
    }
    this.stride = range.bx1 - range.bx0;
    this.values = new Int16Array(this.stride * (range.by1 - range.by0) * sideX * sideY);
    this.nonZero = progressive ? new Uint32Array(component.paddedWide * component.paddedHigh * 2) : null;
  }

  /** Offset of block (bx, by)'s kept coefficients, or -1 outside the range. */
  offset(bx: number, by: number): number {
    const r = this.range;
    if (bx < r.bx0 || bx >= r.bx1 || by < r.by0 || by >= r.by1) return -1;
    return ((by - r.by0) * this.stride + bx - r.bx0) * this.sideX * this.sideY;
  }
}
