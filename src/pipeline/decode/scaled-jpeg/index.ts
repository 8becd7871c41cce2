/**
 * @module Scaled JPEG: decodes a baseline or progressive JPEG at 1/1, 1/2, 1/4 or 1/8 of its size,
 * optionally only a region of it, in DCT space (libjpeg's scale_num/scale_denom): the scale is
 * applied before any pixel exists, so a 48-megapixel photo never takes 48 megapixels of memory.
 * Plain TypeScript: the same code on Workers, Deno and Node, no codec instance to size.
 */
import { isPinfaceError } from '../../../errors.ts';
import type { RgbaImage } from '../../image.ts';
import { isSof, jpegSegments } from '../header.ts';
import { CoefficientStore, type BlockRange, type FrameComponent, ZIGZAG } from './coefficients.ts';
import { buildHuffmanTable, type HuffmanTable, JpegDataError } from './huffman.ts';
import { idctScaled, scaledBasis } from './idct.ts';
import { decodeScan, type ScanCheckpoint, type ScanComponent } from './scan.ts';

export { JpegDataError } from './huffman.ts';

export type JpegScale = 1 | 2 | 4 | 8;

/** A rectangle in stored (pre-EXIF) full-resolution pixels. */
export interface PixelRect { x: number; y: number; width: number; height: number }

/**
 * Where each row of each scan starts in the entropy-coded data, from an earlier decode of the same
 * bytes: a region decode then reads only the rows it needs, in every scan.
 */
export interface ResumePoints { scans: ScanCheckpoint[][] }

export interface ScaledDecodeOptions {
  /** Each output pixel is the mean of scale x scale stored pixels. */
  scale: JpegScale;
  /** Decode only this part of the stored image (default: all of it). */
  region?: PixelRect;
  /** An earlier decode's ResumePoints for these same bytes. */
  resume?: ResumePoints;
}

export interface ScaledJpeg extends RgbaImage {
  /** Where the output's first pixel sits, in output (scaled) pixels of the whole image. */
  left: number;
  top: number;
  /** Size of the whole image at this scale. */
  fullWidth: number;
  fullHeight: number;
  /** For a decode without `resume`: where the rows of its scans start, for region decodes later. */
  resume?: ResumePoints;
}

interface Frame {
  width: number;
  height: number;
  progressive: boolean;
  components: FrameComponent[];
  hMax: number;
  vMax: number;
  mcusWide: number;
  mcusHigh: number;
}

const SOF_SUPPORTED = new Set([0xc0, 0xc1, 0xc2]);
function readFrame(d: Uint8Array, at: number, marker: number): Frame {
  if (!SOF_SUPPORTED.has(marker)) throw new JpegDataError(`frame type 0x${marker.toString(16)} is not supported at reduced scale`);
  if (d[at] !== 8) throw new JpegDataError(`${d[at]}-bit samples are not supported at reduced scale`);
  const height = ((d[at + 1] as number) << 8) | (d[at + 2] as number);
  const width = ((d[at + 3] as number) << 8) | (d[at + 4] as number);
  const n = d[at + 5] as number;
  if (width === 0 || height === 0) throw new JpegDataError('the frame has no size');
  if (n !== 1 && n !== 3) throw new JpegDataError(`${n}-component JPEGs are not supported at reduced scale`);
  const raw = [...Array(n).keys()].map((i) => {
    const p = at + 6 + 3 * i;
    return { id: d[p] as number, h: (d[p + 1] as number) >> 4, v: (d[p + 1] as number) & 15, quantTable: d[p + 2] as number };
  });
  if (raw.some((c) => c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 || c.quantTable > 3)) throw new JpegDataError('a component has invalid sampling factors');
  const hMax = Math.max(...raw.map((c) => c.h));
  const vMax = Math.max(...raw.map((c) => c.v));
  const mcusWide = Math.ceil(width / (8 * hMax));
  const mcusHigh = Math.ceil(height / (8 * vMax));
  const components = raw.map((c) => ({
    ...c,
    blocksWide: Math.ceil(Math.ceil((width * c.h) / hMax) / 8),
    blocksHigh: Math.ceil(Math.ceil((height * c.v) / vMax) / 8),
    paddedWide: mcusWide * c.h,
    paddedHigh: mcusHigh * c.v,
  }));
  return { width, height, progressive: marker === 0xc2, components, hMax, vMax, mcusWide, mcusHigh };
}

/** The output rectangle [ox0, ox1) x [oy0, oy1) in scaled pixels for a stored-pixel region. */
function outputRect(f: Frame, scale: number, region: PixelRect | undefined) {
  const fullWidth = Math.ceil(f.width / scale);
  const fullHeight = Math.ceil(f.height / scale);
  const r = region ?? { x: 0, y: 0, width: f.width, height: f.height };
  const ox0 = Math.min(fullWidth - 1, Math.max(0, Math.floor(r.x / scale)));
  const oy0 = Math.min(fullHeight - 1, Math.max(0, Math.floor(r.y / scale)));
  const ox1 = Math.max(ox0 + 1, Math.min(fullWidth, Math.ceil((r.x + r.width) / scale)));
  const oy1 = Math.max(oy0 + 1, Math.min(fullHeight, Math.ceil((r.y + r.height) / scale)));
  return { fullWidth, fullHeight, ox0, oy0, ox1, oy1 };
}

/**
 * Samples per block side of a component along one axis: a subsampled component (chroma) is
 * decoded at a finer scale, as libjpeg does, so that it lands at the output's resolution where the
 * 8x8 IDCT allows (1/2 and below for 4:2:0 and 4:2:2) and needs no upsampling there.
 */
const componentSide = (h: number, hMax: number, side: number): number => {
  let cs = side;
  while (cs * 2 <= 8 && (cs * 2 * h) / side <= hMax) cs *= 2;
  return cs;
};

/** Output pixel x -> that component's sample index, for a component sampled h of hMax at `cs` samples per block where luma has `side`. */
const sampleOf = (x: number, h: number, hMax: number, cs: number, side: number): number => Math.floor((x * h * cs) / (hMax * side));

function blockRange(c: FrameComponent, f: Frame, side: number, o: ReturnType<typeof outputRect>): BlockRange {
  const sx = componentSide(c.h, f.hMax, side);
  const sy = componentSide(c.v, f.vMax, side);
  return {
    bx0: Math.floor(sampleOf(o.ox0, c.h, f.hMax, sx, side) / sx),
    by0: Math.floor(sampleOf(o.oy0, c.v, f.vMax, sy, side) / sy),
    bx1: Math.min(c.paddedWide, Math.floor(sampleOf(o.ox1 - 1, c.h, f.hMax, sx, side) / sx) + 1),
    by1: Math.min(c.paddedHigh, Math.floor(sampleOf(o.oy1 - 1, c.v, f.vMax, sy, side) / sy) + 1),
  };
}

/** Reads the header up to the frame: size, kind and whether this decoder handles it (no throw). */
export function scaledJpegSupport(d: Uint8Array): { width: number; height: number; progressive: boolean } | null {
  try {
    for (const seg of jpegSegments(d)) {
      if (!isSof(seg.marker)) continue;
      const f = readFrame(d, seg.offset, seg.marker);
      return { width: f.width, height: f.height, progressive: f.progressive };
    }
  } catch (e) {
    // A header the shared walker refuses, or a frame this decoder does not handle.
    if (e instanceof JpegDataError || isPinfaceError(e)) return null;
    throw e;
  }
  return null;
}

/**
 * Decodes `bytes` at 1/scale, whole or a region. Throws JpegDataError on data it cannot read,
 * including frame types it does not handle (arithmetic, lossless, 12-bit, CMYK).
 * @example const { data, width, height } = decodeScaledJpeg(bytes, { scale: 8 });
 */
export function decodeScaledJpeg(d: Uint8Array, opts: ScaledDecodeOptions): ScaledJpeg {
  const { scale } = opts;
  const side = 8 / scale;
  const quant: (Uint16Array | undefined)[] = [];
  const dc: (HuffmanTable | undefined)[] = [];
  const ac: (HuffmanTable | undefined)[] = [];
  let restartInterval = 0;
  let adobeTransform = -1;
  let frame: Frame | undefined;
  let stores: CoefficientStore[] = [];
  let out: ReturnType<typeof outputRect> | undefined;
  let scans = 0;
  const recorded: ScanCheckpoint[][] = [];
  const u16 = (p: number): number => ((d[p] as number) << 8) | (d[p + 1] as number);

  let pos = 2;
  for (;;) {
    if (pos + 1 >= d.length) throw new JpegDataError('the image ends before its end-of-image marker');
    if (d[pos] !== 0xff) { pos++; continue; }
    const marker = d[pos + 1] as number;
    if (marker === 0xff) { pos++; continue; }
    pos += 2;
    if (marker === 0xd9) break;
    if (marker === 0x01 || marker === 0x00 || marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7)) continue;
    if (pos + 2 > d.length) throw new JpegDataError('a segment is truncated');
    const end = pos + u16(pos);
    if (end > d.length || end < pos + 2) throw new JpegDataError('a segment is truncated');
    let p = pos + 2;
    if (marker === 0xdb) {
      while (p < end) {
        const precision = (d[p] as number) >> 4;
        const t = new Uint16Array(64);
        if ((d[p] as number & 15) > 3 || p + 1 + 64 * (precision ? 2 : 1) > end) throw new JpegDataError('a quantisation table is malformed');
        for (let k = 0; k < 64; k++) t[ZIGZAG[k] as number] = precision ? u16(p + 1 + 2 * k) : (d[p + 1 + k] as number);
        quant[(d[p] as number) & 15] = t;
        p += 1 + 64 * (precision ? 2 : 1);
      }
    } else if (marker === 0xc4) {
      while (p < end) {
        const cls = (d[p] as number) >> 4;
        const id = (d[p] as number) & 15;
        const counts = d.subarray(p + 1, p + 17);
        const total = counts.reduce((s, c) => s + c, 0);
        if (id > 3 || cls > 1 || p + 17 + total > end || total > 256) throw new JpegDataError('a Huffman table is malformed');
        (cls === 0 ? dc : ac)[id] = buildHuffmanTable(counts, d.slice(p + 17, p + 17 + total));
        p += 17 + total;
      }
    } else if (marker === 0xdd) {
      restartInterval = u16(p);
    } else if (marker === 0xee) {
      if (end - p >= 12 && String.fromCharCode(...d.subarray(p, p + 5)) === 'Adobe') adobeTransform = d[p + 11] as number;
    } else if (isSof(marker)) {
      if (frame) throw new JpegDataError('the image has more than one frame');
      frame = readFrame(d, p, marker);
      out = outputRect(frame, scale, opts.region);
      const f = frame, o = out;
      stores = f.components.map((c) => new CoefficientStore(c, blockRange(c, f, side, o), componentSide(c.h, f.hMax, side), componentSide(c.v, f.vMax, side), f.progressive));
    } else if (marker === 0xda) {
      if (!frame) throw new JpegDataError('a scan comes before the frame header');
      const f = frame;
      const n = d[p] as number;
      const components: ScanComponent[] = [];
      for (let i = 0; i < n; i++) {
        const id = d[p + 1 + 2 * i] as number;
        const tables = d[p + 2 + 2 * i] as number;
        const index = f.components.findIndex((c) => c.id === id);
        if (index < 0) throw new JpegDataError('a scan names a component the frame does not have');
        components.push({ store: stores[index] as CoefficientStore, dc: dc[tables >> 4], ac: ac[tables & 15] });
      }
      const q = p + 1 + 2 * n;
      const ss = d[q] as number, se = d[q + 1] as number;
      const ah = (d[q + 2] as number) >> 4, al = (d[q + 2] as number) & 15;
      if (n < 1 || n > 4 || ss > se || se > 63 || al > 13) throw new JpegDataError('a scan header is malformed');
      const record: ScanCheckpoint[] | undefined = opts.resume ? undefined : [];
      const from = opts.resume?.scans[scans];
      if (opts.resume && !from) throw new JpegDataError('the resume points are for other bytes');
      const resume = from ? { checkpoints: from, ...rowsNeeded(components) } : undefined;
      pos = decodeScan(d, end, { components, ss, se, ah, al }, {
        mcusWide: f.mcusWide, mcusHigh: f.mcusHigh, restartInterval, progressive: f.progressive,
        ...(record ? { record } : {}), ...(resume ? { resume } : {}),
      });
      if (record) recorded.push(record);
      scans++;
      continue;
    }
    pos = end;
  }
  if (!frame || !out || scans === 0) throw new JpegDataError('the image has no frame or no scan');
  const image = toRgba(frame, stores, quant, side, out, adobeTransform);
  return opts.resume ? image : { ...image, resume: { scans: recorded } };
}

/** The rows of a scan (MCU rows, or block rows of a one-component scan) that hold the stores' ranges. */
function rowsNeeded(components: ScanComponent[]): { from: number; to: number } {
  if (components.length === 1) {
    const r = (components[0] as ScanComponent).store.range;
    return { from: r.by0, to: r.by1 };
  }
  const from = Math.min(...components.map((c) => Math.floor(c.store.range.by0 / c.store.component.v)));
  const to = Math.max(...components.map((c) => Math.ceil(c.store.range.by1 / c.store.component.v)));
  return { from, to };
}

function toRgba(f: Frame, stores: CoefficientStore[], quant: (Uint16Array | undefined)[], side: number, o: ReturnType<typeof outputRect>, adobeTransform: number): ScaledJpeg {
  const planes = stores.map((s) => {
    const { sideX: sx, sideY: sy } = s;
    const basisX = scaledBasis(sx);
    const basisY = scaledBasis(sy);
    const tmp = new Float64Array(sx * sy);
    const q = quant[s.component.quantTable];
    if (!q) throw new JpegDataError('a component uses a quantisation table that was never defined');
    const { bx0, by0, bx1, by1 } = s.range;
    const w = (bx1 - bx0) * sx;
    const plane = new Uint8Array(w * (by1 - by0) * sy);
    for (let by = by0; by < by1; by++) {
      for (let bx = bx0; bx < bx1; bx++) {
        idctScaled(s.values, s.offset(bx, by), sx, sy, q, basisX, basisY, tmp, plane, (by - by0) * sy * w + (bx - bx0) * sx, w);
      }
    }
    return { plane, w, x0: bx0 * sx, y0: by0 * sy, h: s.component.h, v: s.component.v, sx, sy };
  });
  const width = o.ox1 - o.ox0;
  const height = o.oy1 - o.oy0;
  const data = new Uint8ClampedArray(width * height * 4);
  const ids = f.components.map((c) => c.id);
  // Adobe's transform flag wins; without it three components are YCbCr unless named R, G, B.
  const rgb = f.components.length === 3 && (adobeTransform === 0 || (adobeTransform < 0 && ids.join() === '82,71,66'));
  const cols = planes.map((p) => Int32Array.from({ length: width }, (_, x) => sampleOf(o.ox0 + x, p.h, f.hMax, p.sx, side) - p.x0));
  for (let y = 0; y < height; y++) {
    const rows = planes.map((p) => (sampleOf(o.oy0 + y, p.v, f.vMax, p.sy, side) - p.y0) * p.w);
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const c0 = (planes[0] as (typeof planes)[0]).plane[(rows[0] as number) + ((cols[0] as Int32Array)[x] as number)] as number;
      if (planes.length === 1) {
        data[i] = data[i + 1] = data[i + 2] = c0;
      } else {
        const c1 = (planes[1] as (typeof planes)[0]).plane[(rows[1] as number) + ((cols[1] as Int32Array)[x] as number)] as number;
        const c2 = (planes[2] as (typeof planes)[0]).plane[(rows[2] as number) + ((cols[2] as Int32Array)[x] as number)] as number;
        if (rgb) {
          data[i] = c0; data[i + 1] = c1; data[i + 2] = c2;
        } else {
          // JFIF's YCbCr -> RGB; the clamped array rounds and clips.
          data[i] = c0 + 1.402 * (c2 - 128);
          data[i + 1] = c0 - 0.344136 * (c1 - 128) - 0.714136 * (c2 - 128);
          data[i + 2] = c0 + 1.772 * (c1 - 128);
        }
      }
      data[i + 3] = 255;
    }
  }
  return { width, height, data, left: o.ox0, top: o.oy0, fullWidth: o.fullWidth, fullHeight: o.fullHeight };
}
