/**
 * @module Scan: decodes one scan's entropy-coded data (sequential, or any of progressive JPEG's
 * four scan kinds) into the coefficient stores. Every coefficient is decoded to keep the stream
 * in step; only those the scale and region need are written.
 */
import type { CoefficientStore } from './coefficients.ts';
import { BitReader, type HuffmanTable, JpegDataError, type ReaderState } from './huffman.ts';

export interface ScanComponent {
  store: CoefficientStore;
  dc: HuffmanTable | undefined;
  ac: HuffmanTable | undefined;
}

export interface ScanHeader {
  components: ScanComponent[];
  /** Spectral selection start/end and successive approximation high/low (all 0/63/0/0 in sequential scans). */
  ss: number;
  se: number;
  ah: number;
  al: number;
}

/** The decoder's state at the start of one row of a scan (MCU rows; block rows of a one-component scan). */
export interface ScanCheckpoint { reader: ReaderState; preds: Int32Array; eobrun: number }

export interface ScanGeometry {
  mcusWide: number;
  mcusHigh: number;
  restartInterval: number;
  progressive: boolean;
  /**
   * Record the state at each row's start into `record`, or, given `resume` (a previous decode's
   * record of the same scan), decode only rows [from, to). A progressive refinement reads which
   * coefficients are non-zero, but only of its own block, which the earlier scans' same rows set.
   */
  record?: ScanCheckpoint[];
  resume?: { checkpoints: ScanCheckpoint[]; from: number; to: number };
}

const need = (t: HuffmanTable | undefined): HuffmanTable => {
  if (!t) throw new JpegDataError('a scan uses a Huffman table that was never defined');
  return t;
};

const setNonZero = (nz: Uint32Array, block: number, k: number): void => { nz[2 * block + (k >> 5)] = (nz[2 * block + (k >> 5)] as number) | (1 << (k & 31)); };

type BlockDecoder = (c: ScanComponent, bx: number, by: number) => void;

const popcount = (v: number): number => {
  let x = v - ((v >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
};

/** Decodes the scan starting at `pos`; returns the position of the marker after it. */
export function decodeScan(data: Uint8Array, pos: number, scan: ScanHeader, g: ScanGeometry): number {
  const r = new BitReader(data, pos);
  const { ss, se, ah, al } = scan;
  const preds = new Int32Array(scan.components.length);
  let eobrun = 0;
  let current = 0;

  const sequential: BlockDecoder = (c, bx, by) => {
    const s = c.store;
    const at = s.offset(bx, by);
    const t = r.decode(need(c.dc));
    preds[current] = (preds[current] as number) + (t === 0 ? 0 : r.extend(t));
    if (at >= 0) s.values[at] = preds[current] as number;
    const ac = need(c.ac);
    const keep = s.keep;
    for (let k = 1; k < 64;) {
      const rs = r.decode(ac);
      const size = rs & 15;
      const run = rs >> 4;
      if (size === 0) {
        if (run < 15) break;
        k += 16;
        continue;
      }
      k += run;
      if (k > 63) throw new JpegDataError('a block has more than 64 coefficients');
      const idx = keep[k] as number;
      if (at >= 0 && idx >= 0) s.values[at + idx] = r.extend(size);
      else r.bits(size);
      k++;
    }
  };

  const dcFirst: BlockDecoder = (c, bx, by) => {
    const at = c.store.offset(bx, by);
    const t = r.decode(need(c.dc));
    preds[current] = (preds[current] as number) + (t === 0 ? 0 : r.extend(t));
    if (at >= 0) c.store.values[at] = (preds[current] as number) * (1 << al);
  };

  const dcRefine: BlockDecoder = (c, bx, by) => {
    const at = c.store.offset(bx, by);
    if (r.bit() && at >= 0) c.store.values[at] = (c.store.values[at] as number) | (1 << al);
  };

  const acFirst: BlockDecoder = (c, bx, by) => {
    if (eobrun > 0) { eobrun--; return; }
    const s = c.store;
    const at = s.offset(bx, by);
    const nz = s.nonZero as Uint32Array;
    const block = by * s.component.paddedWide + bx;
    const ac = need(c.ac);
    for (let k = ss; k <= se;) {
      const rs = r.decode(ac);
      const size = rs & 15;
      const run = rs >> 4;
      if (size === 0) {
        if (run < 15) {
          eobrun = (1 << run) - 1 + r.bits(run);
          break;
        }
        k += 16;
        continue;
      }
      k += run;
      if (k > 63) throw new JpegDataError('a block has more than 64 coefficients');
      const v = r.extend(size) * (1 << al);
      setNonZero(nz, block, k);
      const idx = s.keep[k] as number;
      if (at >= 0 && idx >= 0) s.values[at + idx] = v;
      k++;
    }
  };

  // libjpeg's decode_mcu_AC_refine, with "is non-zero" read from the bitmap so that coefficients
  // the scale drops still steer the stream. No closure per block: this runs for every block of
  // every refinement scan. A block that keeps nothing of this band (outside the region, or a
  // band the scale drops) only has to consume its correction bits, which the EOB path counts.
  let bandStore: CoefficientStore | undefined;
  let bandKept = false;
  const acRefine: BlockDecoder = (c, bx, by) => {
    const s = c.store;
    if (s !== bandStore) {
      bandStore = s;
      bandKept = false;
      for (let k = ss; k <= se; k++) if ((s.keep[k] as number) >= 0) bandKept = true;
    }
    const at = s.offset(bx, by);
    const kept = bandKept && at >= 0;
    const nz = s.nonZero as Uint32Array;
    const block = by * s.component.paddedWide + bx;
    const keep = s.keep, values = s.values;
    const p1 = 1 << al;
    let lo = nz[2 * block] as number, hi = nz[2 * block + 1] as number;
    let k = ss;
    if (eobrun <= 0) {
      const ac = need(c.ac);
      for (; k <= se; k++) {
        const rs = r.decode(ac);
        let size = rs & 15;
        let run = rs >> 4;
        if (size !== 0) {
          size = r.bit() ? p1 : -p1;
        } else if (run !== 15) {
          eobrun = (1 << run) + r.bits(run);
          break;
        }
        while (k <= se) {
          if ((k < 32 ? lo >>> k : hi >>> (k - 32)) & 1) {
            // A correction bit: 1 when the magnitude grows by p1.
            if (r.bit() && kept) {
              const idx = keep[k] as number;
              if (idx >= 0) {
                const v = values[at + idx] as number;
                if ((v & p1) === 0) values[at + idx] = v >= 0 ? v + p1 : v - p1;
              }
            }
          } else if (--run < 0) break;
          k++;
        }
        if (size !== 0 && k <= se) {
          if (k < 32) lo |= 1 << k;
          else hi |= 1 << (k - 32);
          const idx = keep[k] as number;
          if (kept && idx >= 0) values[at + idx] = size;
        }
      }
      nz[2 * block] = lo;
      nz[2 * block + 1] = hi;
    }
    if (eobrun > 0) {
      // Only the non-zero positions left in the band take a correction bit, in order: walk their set bits.
      for (let word = k >> 5; word <= se >> 5; word++) {
        let bits = word === 0 ? lo : hi;
        const from = word === k >> 5 ? k & 31 : 0;
        const to = word === se >> 5 ? se & 31 : 31;
        bits &= (to === 31 ? 0xffffffff : (1 << (to + 1)) - 1) & ~((1 << from) - 1);
        if (!kept) {
          for (let n = popcount(bits); n > 0; n -= 16) r.bits(Math.min(16, n));
          continue;
        }
        while (bits !== 0) {
          const bit = 31 - Math.clz32(bits & -bits);
          bits &= bits - 1;
          if (r.bit()) {
            const idx = keep[(word << 5) + bit] as number;
            if (idx >= 0) {
              const v = values[at + idx] as number;
              if ((v & p1) === 0) values[at + idx] = v >= 0 ? v + p1 : v - p1;
            }
          }
        }
      }
      eobrun--;
    }
  };

  const decodeBlock: BlockDecoder = !g.progressive ? sequential
    : ss === 0 ? (ah === 0 ? dcFirst : dcRefine)
    : ah === 0 ? acFirst : acRefine;
  if (g.progressive && ss > 0 && scan.components.length !== 1) throw new JpegDataError('a progressive AC scan has more than one component');

  const comps = scan.components;
  const single = comps.length === 1 ? comps[0] : undefined;
  const rowLength = single ? single.store.component.blocksWide : g.mcusWide;
  const total = single ? rowLength * single.store.component.blocksHigh : g.mcusWide * g.mcusHigh;
  let first = 0, end = total;
  if (g.resume) {
    const at = g.resume.checkpoints[g.resume.from];
    if (!at) throw new JpegDataError('no checkpoint for the requested rows');
    r.restore(at.reader);
    preds.set(at.preds);
    eobrun = at.eobrun;
    first = g.resume.from * rowLength;
    end = Math.min(total, g.resume.to * rowLength);
  }
  for (let mcu = first; mcu < end && !r.exhausted; mcu++) {
    if (g.record && mcu % rowLength === 0) g.record.push({ reader: r.save(), preds: preds.slice(), eobrun });
    if (g.restartInterval > 0 && mcu > 0 && mcu % g.restartInterval === 0) {
      r.restart();
      preds.fill(0);
      eobrun = 0;
    }
    if (single) {
      const w = single.store.component.blocksWide;
      current = 0;
      decodeBlock(single, mcu % w, Math.floor(mcu / w));
      continue;
    }
    const mx = mcu % g.mcusWide;
    const my = Math.floor(mcu / g.mcusWide);
    for (current = 0; current < comps.length; current++) {
      const c = comps[current] as ScanComponent;
      const { h, v } = c.store.component;
      for (let j = 0; j < v; j++) for (let i = 0; i < h; i++) decodeBlock(c, mx * h + i, my * v + j);
    }
  }
  // Stopped early or not, the scan ends at the next marker that is not a restart.
  return r.endOfScan();
}
