/**
 * A small baseline JPEG writer for decoder tests: the layouts the test encoder (mozjpeg) does not
 * emit — restart intervals, 4:2:0 and 4:4:4 chosen explicitly, grayscale. Not for compression: one
 * flat quantiser and flat-length Huffman codes over every symbol.
 */
import type { Rgba } from './wasm.ts';

const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

export interface WriterOptions {
  layout: '420' | '444' | 'gray';
  /** MCUs per restart interval; 0 for none. */
  restartInterval?: number;
  /** The one quantiser for every coefficient. */
  quantizer?: number;
}

class BitWriter {
  readonly bytes: number[] = [];
  private acc = 0;
  private n = 0;
  put(value: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >> i) & 1);
      if (++this.n === 8) this.flushByte();
    }
  }
  private flushByte(): void {
    this.bytes.push(this.acc);
    if (this.acc === 0xff) this.bytes.push(0);
    this.acc = 0;
    this.n = 0;
  }
  /** Pads the last byte with 1 bits, as JPEG requires before a marker. */
  align(): void { while (this.n !== 0) this.put(1, 1); }
}

const category = (v: number): number => (v === 0 ? 0 : 32 - Math.clz32(Math.abs(v)));
const magnitudeBits = (v: number, size: number): number => (v >= 0 ? v : v + (1 << size) - 1);

/** Flat-length canonical code over symbols 0..count-1: length ceil(log2(count + 1)) so no code is all ones. */
function flatTable(symbols: number[]): { bits: number[]; code: Map<number, [number, number]> } {
  const length = Math.ceil(Math.log2(symbols.length + 1));
  const bits = new Array(16).fill(0);
  bits[length - 1] = symbols.length;
  return { bits, code: new Map(symbols.map((s, i) => [s, [i, length]])) };
}

const DC_SYMBOLS = [...Array(12).keys()];
const AC_SYMBOLS = [0x00, 0xf0, ...[...Array(16).keys()].flatMap((run) => [...Array(10).keys()].map((s) => (run << 4) | (s + 1)))];

export function writeBaselineJpeg(img: Rgba, { layout, restartInterval = 0, quantizer = 4 }: WriterOptions): Uint8Array<ArrayBuffer> {
  const { width: W, height: H, data } = img;
  const ycc = [0, 1, 2].map((c) => Float64Array.from({ length: W * H }, (_, i) => {
    const r = data[4 * i] as number, g = data[4 * i + 1] as number, b = data[4 * i + 2] as number;
    return c === 0 ? 0.299 * r + 0.587 * g + 0.114 * b : c === 1 ? 128 - 0.168736 * r - 0.331264 * g + 0.5 * b : 128 + 0.5 * r - 0.418688 * g - 0.081312 * b;
  }));
  const comps = layout === 'gray' ? [{ h: 1, v: 1 }] : layout === '444' ? [{ h: 1, v: 1 }, { h: 1, v: 1 }, { h: 1, v: 1 }] : [{ h: 2, v: 2 }, { h: 1, v: 1 }, { h: 1, v: 1 }];
  const hMax = Math.max(...comps.map((c) => c.h)), vMax = Math.max(...comps.map((c) => c.v));
  const mcusWide = Math.ceil(W / (8 * hMax)), mcusHigh = Math.ceil(H / (8 * vMax));
  // Component sample (x, y): the mean of the full-size pixels it covers, edges replicated.
  const sample = (c: number, x: number, y: number): number => {
    const { h, v } = comps[c] as { h: number; v: number };
    const fx = hMax / h, fy = vMax / v;
    let s = 0;
    for (let j = 0; j < fy; j++) for (let i = 0; i < fx; i++) s += ycc[c]![Math.min(H - 1, y * fy + j) * W + Math.min(W - 1, x * fx + i)] as number;
    return s / (fx * fy);
  };
  const dc = flatTable(DC_SYMBOLS), ac = flatTable(AC_SYMBOLS);
  const out = new BitWriter();
  const emit = (t: typeof dc, s: number): void => { const [code, len] = t.code.get(s) as [number, number]; out.put(code, len); };
  const preds = comps.map(() => 0);
  const block = new Float64Array(64);
  const encodeBlock = (c: number, bx: number, by: number): void => {
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) block[y * 8 + x] = sample(c, bx * 8 + x, by * 8 + y) - 128;
    const q = new Int32Array(64);
    for (let v = 0; v < 8; v++) {
      for (let u = 0; u < 8; u++) {
        let s = 0;
        for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) s += (block[y * 8 + x] as number) * Math.cos(((2 * x + 1) * u * Math.PI) / 16) * Math.cos(((2 * y + 1) * v * Math.PI) / 16);
        q[v * 8 + u] = Math.round(((u ? 1 : Math.SQRT1_2) * (v ? 1 : Math.SQRT1_2) * s) / 4 / quantizer);
      }
    }
    const diff = (q[0] as number) - (preds[c] as number);
    preds[c] = q[0] as number;
    emit(dc, category(diff));
    out.put(magnitudeBits(diff, category(diff)), category(diff));
    let run = 0;
    for (let k = 1; k < 64; k++) {
      const val = q[ZIGZAG[k] as number] as number;
      if (val === 0) { run++; continue; }
      while (run > 15) { emit(ac, 0xf0); run -= 16; }
      const size = category(val);
      emit(ac, (run << 4) | size);
      out.put(magnitudeBits(val, size), size);
      run = 0;
    }
    if (run > 0) emit(ac, 0x00);
  };
  let rst = 0;
  for (let m = 0; m < mcusWide * mcusHigh; m++) {
    if (restartInterval && m > 0 && m % restartInterval === 0) {
      out.align();
      out.bytes.push(0xff, 0xd0 + (rst++ % 8));
      preds.fill(0);
    }
    const mx = m % mcusWide, my = Math.floor(m / mcusWide);
    comps.forEach((cp, c) => { for (let j = 0; j < cp.v; j++) for (let i = 0; i < cp.h; i++) encodeBlock(c, mx * cp.h + i, my * cp.v + j); });
  }
  out.align();
  const seg = (marker: number, payload: number[]): number[] => [0xff, marker, (payload.length + 2) >> 8, (payload.length + 2) & 255, ...payload];
  const table = (cls: number, t: typeof dc, symbols: number[]): number[] => [cls << 4, ...t.bits, ...symbols];
  const bytes = [
    0xff, 0xd8,
    ...seg(0xdb, [0, ...new Array(64).fill(quantizer)]),
    ...seg(0xc0, [8, H >> 8, H & 255, W >> 8, W & 255, comps.length, ...comps.flatMap((cp, c) => [c + 1, (cp.h << 4) | cp.v, 0])]),
    ...seg(0xc4, [...table(0, dc, DC_SYMBOLS), ...table(1, ac, AC_SYMBOLS)]),
    ...(restartInterval ? seg(0xdd, [restartInterval >> 8, restartInterval & 255]) : []),
    ...seg(0xda, [comps.length, ...comps.flatMap((_, c) => [c + 1, 0x00]), 0, 63, 0]),
    ...out.bytes,
    0xff, 0xd9,
  ];
  return Uint8Array.from(bytes);
}
