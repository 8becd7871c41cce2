/**
 * @module Huffman: JPEG's canonical Huffman tables and the entropy-coded bit stream (byte
 * stuffing, markers, restart intervals). Every read is bounded: past a marker the stream reads
 * as zero bits, as libjpeg's does, and a code that no table holds is a corrupt image.
 */

/** Bits looked up in one step; longer codes take the canonical slow path. */
const FAST_BITS = 9;

export interface HuffmanTable {
  /** (length << 8) | symbol for every FAST_BITS-bit prefix that completes a code; 0 otherwise. */
  fast: Uint16Array;
  /** Per code length 1..16: the largest code of that length (-1 if none), the first code and its index into symbols. */
  maxCode: Int32Array;
  minCode: Int32Array;
  firstIndex: Int32Array;
  symbols: Uint8Array;
}

export class JpegDataError extends Error {}

/** Builds a table from DHT's 16 code-length counts and its symbols; throws on an over-full code. */
export function buildHuffmanTable(counts: ArrayLike<number>, symbols: Uint8Array): HuffmanTable {
  const fast = new Uint16Array(1 << FAST_BITS);
  const maxCode = new Int32Array(18).fill(-1);
  const minCode = new Int32Array(17);
  const firstIndex = new Int32Array(17);
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    const n = counts[len - 1] as number;
    minCode[len] = code;
    firstIndex[len] = k;
    for (let i = 0; i < n; i++, k++, code++) {
      if (code >= 1 << len) throw new JpegDataError('a Huffman table is over-full');
      if (len <= FAST_BITS) {
        const shift = FAST_BITS - len;
        const entry = (len << 8) | (symbols[k] as number);
        for (let j = 0; j < 1 << shift; j++) fast[(code << shift) | j] = entry;
      }
    }
    maxCode[len] = n > 0 ? code - 1 : -1;
    code <<= 1;
  }
  maxCode[17] = 0x7fffffff; // sentinel: never reached for valid data, see decode()
  return { fast, maxCode, minCode, firstIndex, symbols };
}

const isRst = (m: number): boolean => m >= 0xd0 && m <= 0xd7;

/** Where a reader stands, to resume there later (see ScanCheckpoint). */
export interface ReaderState { pos: number; buf: number; count: number; marker: number; padding: number }

/** MSB-first bit reader over one scan's entropy-coded segment. */
export class BitReader {
  private buf = 0;
  private count = 0;
  /** The marker that ended the data (0xFF xx), -1 while inside it. */
  marker = -1;
  /** Zero bytes fed in past the end of the data (libjpeg's behaviour for a stream cut short). */
  private padding = 0;

  constructor(private readonly data: Uint8Array, public pos: number) {}

  save(): ReaderState {
    return { pos: this.pos, buf: this.buf, count: this.count, marker: this.marker, padding: this.padding };
  }

  restore(s: ReaderState): void {
    ({ pos: this.pos, buf: this.buf, count: this.count, marker: this.marker, padding: this.padding } = s);
  }

  /**
   * The data ended well before the scan did: more than 8 bytes of zeros read past it (a decoder
   * reads ahead at most 4). The rest of the scan would decode zeros at full cost — a tiny file
   * claiming a large image could buy seconds of CPU — so the scan stops there instead.
   */
  get exhausted(): boolean {
    return this.padding > 8;
  }

  private fill(): void {
    const d = this.data;
    while (this.count <= 24) {
      let b = 0;
      if (this.marker < 0 && this.pos < d.length) {
        b = d[this.pos] as number;
        if (b === 0xff) {
          let next = d[this.pos + 1] ?? 0xd9;
          // Fill bytes (FF FF ...) may precede a marker.
          while (next === 0xff && this.pos + 2 < d.length) { this.pos++; next = d[this.pos + 1] as number; }
          if (next === 0) this.pos += 2;
          else { this.marker = next; b = 0; }
        } else this.pos++;
      }
      if (this.marker >= 0 || this.pos >= d.length) this.padding++;
      this.buf = ((this.buf << 8) | b) >>> 0;
      this.count += 8;
    }
  }

  bits(n: number): number {
    if (n === 0) return 0;
    if (this.count < n) this.fill();
    this.count -= n;
    return (this.buf >>> this.count) & ((1 << n) - 1);
  }

  bit(): number {
    if (this.count < 1) this.fill();
    this.count--;
    return (this.buf >>> this.count) & 1;
  }

  /** JPEG's EXTEND: n raw bits as a signed magnitude-category value. */
  extend(n: number): number {
    const v = this.bits(n);
    return v < 1 << (n - 1) ? v - (1 << n) + 1 : v;
  }

  decode(t: HuffmanTable): number {
    if (this.count < 16) this.fill();
    const e = t.fast[(this.buf >>> (this.count - FAST_BITS)) & ((1 << FAST_BITS) - 1)] as number;
    if (e !== 0) {
      this.count -= e >> 8;
      return e & 0xff;
    }
    const code16 = (this.buf >>> (this.count - 16)) & 0xffff;
    for (let len = FAST_BITS + 1; len <= 16; len++) {
      const code = code16 >>> (16 - len);
      if (code <= (t.maxCode[len] as number)) {
        this.count -= len;
        return t.symbols[(t.firstIndex[len] as number) + code - (t.minCode[len] as number)] as number;
      }
    }
    throw new JpegDataError('a Huffman code matches no table entry');
  }

  /** Drops the bits left in the interval and steps over its RSTn marker. */
  restart(): void {
    this.buf = 0;
    this.count = 0;
    this.padding = 0;
    if (this.marker < 0) this.pos = this.nextMarker();
    else this.marker = -1;
    if (!isRst(this.data[this.pos + 1] ?? 0)) throw new JpegDataError('a restart marker is missing');
    this.pos += 2;
  }

  /** Position of the first marker (not a stuffed zero, not RSTn) at or after the reader's byte position. */
  endOfScan(): number {
    let p = this.marker >= 0 ? this.pos : this.nextMarker();
    const d = this.data;
    while (p + 1 < d.length && isRst(d[p + 1] as number)) {
      p += 2;
      this.pos = p;
      p = this.nextMarker();
    }
    return p;
  }

  private nextMarker(): number {
    const d = this.data;
    for (let p = this.pos; p + 1 < d.length; p++) {
      if (d[p] === 0xff && d[p + 1] !== 0 && d[p + 1] !== 0xff) return p;
    }
    throw new JpegDataError('the image data has no end');
  }
}
