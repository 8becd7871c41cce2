/**
 * A float64 interpreter for the ONNX ops of our face models, straight from the operator
 * definitions: the reference that gradient tests differentiate numerically. onnxruntime runs in
 * float32, whose rounding swamps finite differences of a 50-layer network; in float64 a central
 * difference of this piecewise-linear recognizer is exact to ~1e-9 between kinks.
 */
import { int64Values, tensorValues, type Model, type Node, type Tensor } from '../../eval/onnx/proto.ts';

interface T64 { dims: number[]; data: Float64Array }

const size = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);
const attrOf = (n: Node, name: string) => n.attribute.find((a) => a.name === name);
const intsOf = (n: Node, name: string, fallback: number[]) => attrOf(n, name)?.ints?.map(Number) ?? fallback;

function constant(t: Tensor): T64 {
  if (t.data_type === 7) return { dims: t.dims.map(Number), data: Float64Array.from(int64Values(t)) };
  return { dims: t.dims.map(Number), data: Float64Array.from(tensorValues(t)) };
}

/** Elementwise op with numpy broadcasting of b onto a's shape (b's rank <= a's). */
function broadcast(a: T64, b: T64, f: (x: number, y: number) => number): T64 {
  const out = new Float64Array(a.data.length);
  const pad = a.dims.length - b.dims.length;
  const bd = [...Array(pad).fill(1), ...b.dims];
  const strides = bd.map((_, i) => (bd[i] === 1 ? 0 : size(bd.slice(i + 1))));
  const idx = new Array(a.dims.length).fill(0);
  for (let i = 0; i < out.length; i++) {
    let r = i, bi = 0;
    for (let d = a.dims.length - 1; d >= 0; d--) { idx[d] = r % (a.dims[d] as number); r = Math.floor(r / (a.dims[d] as number)); }
    for (let d = 0; d < a.dims.length; d++) bi += (idx[d] as number) * (strides[d] as number);
    out[i] = f(a.data[i] as number, b.data[bi] as number);
  }
  return { dims: a.dims, data: out };
}

function conv(n: Node, x: T64, w: T64, b: T64 | undefined): T64 {
  const [N, C, H, W] = x.dims as [number, number, number, number];
  const [M, Cg, KH, KW] = w.dims as [number, number, number, number];
  const group = Number(attrOf(n, 'group')?.i ?? 1);
  const [sh, sw] = intsOf(n, 'strides', [1, 1]) as [number, number];
  const [dh, dw] = intsOf(n, 'dilations', [1, 1]) as [number, number];
  const [pt, pl, pb, pr] = intsOf(n, 'pads', [0, 0, 0, 0]) as [number, number, number, number];
  const OH = Math.floor((H + pt + pb - dh * (KH - 1) - 1) / sh) + 1, OW = Math.floor((W + pl + pr - dw * (KW - 1) - 1) / sw) + 1;
  const out = new Float64Array(N * M * OH * OW);
  const Mg = M / group;
  for (let nn = 0; nn < N; nn++) for (let m = 0; m < M; m++) {
    const gi = Math.floor(m / Mg);
    for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) {
      let acc = b ? (b.data[m] as number) : 0;
      for (let c = 0; c < Cg; c++) {
        const ci = gi * Cg + c;
        for (let ky = 0; ky < KH; ky++) {
          const iy = oy * sh - pt + ky * dh;
          if (iy < 0 || iy >= H) continue;
          for (let kx = 0; kx < KW; kx++) {
            const ix = ox * sw - pl + kx * dw;
            if (ix < 0 || ix >= W) continue;
            acc += (x.data[((nn * C + ci) * H + iy) * W + ix] as number) * (w.data[((m * Cg + c) * KH + ky) * KW + kx] as number);
          }
        }
      }
      out[((nn * M + m) * OH + oy) * OW + ox] = acc;
    }
  }
  return { dims: [N, M, OH, OW], data: out };
}

/** Row-major strides. */
const stridesOf = (dims: readonly number[]) => dims.map((_, i) => size(dims.slice(i + 1)));

function transpose(x: T64, perm: number[]): T64 {
  const dims = perm.map((p) => x.dims[p] as number), inStrides = stridesOf(x.dims), outStrides = stridesOf(dims);
  const data = new Float64Array(x.data.length);
  for (let i = 0; i < data.length; i++) {
    let src = 0;
    for (let d = 0; d < dims.length; d++) src += (Math.floor(i / (outStrides[d] as number)) % (dims[d] as number)) * (inStrides[perm[d] as number] as number);
    data[i] = x.data[src] as number;
  }
  return { dims, data };
}

function maxPool(n: Node, x: T64): T64 {
  const [N, C, H, W] = x.dims as [number, number, number, number];
  const [KH, KW] = intsOf(n, 'kernel_shape', []) as [number, number];
  const [SH, SW] = intsOf(n, 'strides', [1, 1]) as [number, number];
  const [PT, PL, PB, PR] = intsOf(n, 'pads', [0, 0, 0, 0]) as [number, number, number, number];
  const OH = Math.floor((H + PT + PB - KH) / SH) + 1, OW = Math.floor((W + PL + PR - KW) / SW) + 1;
  const data = new Float64Array(N * C * OH * OW).fill(-Infinity);
  for (let c = 0; c < N * C; c++) for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) {
    for (let ky = 0; ky < KH; ky++) for (let kx = 0; kx < KW; kx++) {
      const iy = oy * SH - PT + ky, ix = ox * SW - PL + kx;
      if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
      const o = (c * OH + oy) * OW + ox;
      data[o] = Math.max(data[o] as number, x.data[(c * H + iy) * W + ix] as number);
    }
  }
  return { dims: [N, C, OH, OW], data };
}

/** Constant (zero) padding; pads as ONNX orders them: all begins, then all ends. */
function pad(x: T64, pads: number[]): T64 {
  const r = x.dims.length;
  const dims = x.dims.map((d, i) => d + (pads[i] as number) + (pads[i + r] as number));
  const inStrides = stridesOf(x.dims), outStrides = stridesOf(dims);
  const data = new Float64Array(size(dims));
  for (let i = 0; i < x.data.length; i++) {
    let o = 0;
    for (let d = 0; d < r; d++) o += (Math.floor(i / (inStrides[d] as number)) % (x.dims[d] as number) + (pads[d] as number)) * (outStrides[d] as number);
    data[o] = x.data[i] as number;
  }
  return { dims, data };
}

/** Sums over `axes` (negative counts from the end). */
function reduceSum(x: T64, axes: number[], keepdims: boolean): T64 {
  const r = x.dims.length, reduced = axes.map((ax) => (ax < 0 ? ax + r : ax));
  const kept = x.dims.map((d, i) => (reduced.includes(i) ? 1 : d));
  const inStrides = stridesOf(x.dims), outStrides = stridesOf(kept);
  const data = new Float64Array(size(kept));
  for (let i = 0; i < x.data.length; i++) {
    let o = 0;
    for (let d = 0; d < r; d++) if (!reduced.includes(d)) o += (Math.floor(i / (inStrides[d] as number)) % (x.dims[d] as number)) * (outStrides[d] as number);
    data[o] = (data[o] as number) + (x.data[i] as number);
  }
  return { dims: keepdims ? kept : x.dims.filter((_, i) => !reduced.includes(i)), data };
}

function reshape(x: T64, target: number[]): T64 {
  const dims = target.map((d, i) => (d === 0 ? (x.dims[i] as number) : d));
  const known = size(dims.filter((d) => d !== -1));
  return { dims: dims.map((d) => (d === -1 ? x.data.length / known : d)), data: x.data };
}

/**
 * Runs the model's graph in float64 on one input; returns the first graph output. `weights`
 * replaces initializers by float64 values (a float32 file cannot hold a 1e-7 step).
 */
export function runReference(model: Model, input: { data: ArrayLike<number>; dims: number[] }, weights: ReadonlyMap<string, Float64Array> = new Map()): T64 {
  const g = model.graph;
  const env = new Map<string, T64>(g.initializer.map((t) => [t.name, weights.has(t.name) ? { dims: t.dims.map(Number), data: weights.get(t.name) as Float64Array } : constant(t)]));
  env.set(g.input[0]?.name as string, { dims: input.dims, data: Float64Array.from(input.data) });
  const get = (name: string): T64 => env.get(name) ?? (() => { throw new Error(`reference: tensor ${name} missing`); })();
  for (const n of g.node) {
    const ins = n.input.map((i) => (i ? get(i) : undefined));
    const [a, b] = ins as [T64, T64 | undefined];
    let out: T64;
    switch (n.op_type) {
      case 'Conv': out = conv(n, a, b as T64, ins[2]); break;
      case 'PRelu': out = broadcast(a, b as T64, (x, s) => (x > 0 ? x : x * s)); break;
      case 'Relu': out = { dims: a.dims, data: a.data.map((x) => Math.max(0, x)) }; break;
      case 'Add': out = broadcast(a, b as T64, (x, y) => x + y); break;
      case 'Sub': out = broadcast(a, b as T64, (x, y) => x - y); break;
      case 'Mul': out = broadcast(a, b as T64, (x, y) => x * y); break;
      case 'Div': out = broadcast(a, b as T64, (x, y) => x / y); break;
      case 'Sqrt': out = { dims: a.dims, data: a.data.map(Math.sqrt) }; break;
      case 'ReduceSum': out = reduceSum(a, b ? Array.from(b.data) : intsOf(n, 'axes', a.dims.map((_, i) => i)), Number(attrOf(n, 'keepdims')?.i ?? 1) === 1); break;
      case 'Reshape': out = reshape(a, Array.from((b as T64).data)); break;
      case 'Flatten': out = reshape(a, [a.dims[0] as number, -1]); break;
      case 'Identity': case 'Dropout': out = a; break;
      case 'Transpose': out = transpose(a, intsOf(n, 'perm', a.dims.map((_, i) => a.dims.length - 1 - i))); break;
      case 'MaxPool': out = maxPool(n, a); break;
      case 'Pad': out = pad(a, Array.from((b as T64).data)); break;
      case 'BatchNormalization': {
        const [, scale, bias, mean, variance] = ins as T64[];
        const eps = attrOf(n, 'epsilon')?.f ?? 1e-5;
        const C = a.dims[1] as number, inner = size(a.dims.slice(2));
        const data = a.data.map((x, i) => {
          const c = Math.floor(i / inner) % C;
          return ((x - (mean?.data[c] as number)) / Math.sqrt((variance?.data[c] as number) + eps)) * (scale?.data[c] as number) + (bias?.data[c] as number);
        });
        out = { dims: a.dims, data };
        break;
      }
      case 'Gemm':
      case 'MatMul': {
        const gemm = n.op_type === 'Gemm';
        const transB = gemm ? Number(attrOf(n, 'transB')?.i ?? 0) : 0, alpha = attrOf(n, 'alpha')?.f ?? 1, beta = attrOf(n, 'beta')?.f ?? 1;
        if (gemm && Number(attrOf(n, 'transA')?.i ?? 0)) throw new Error('reference: Gemm transA');
        // A batched left operand (MatMul only) multiplies its last two axes as rows of one matrix.
        if (a.dims.length !== 2 && (gemm || (b as T64).dims.length !== 2)) throw new Error('reference: 2-D right operands only');
        const K = a.dims[a.dims.length - 1] as number, M = a.data.length / K;
        const B = b as T64, Nn = transB ? (B.dims[0] as number) : (B.dims[1] as number);
        const c = gemm ? ins[2] : undefined;
        const data = new Float64Array(M * Nn);
        for (let i = 0; i < M; i++) for (let j = 0; j < Nn; j++) {
          let acc = 0;
          for (let k = 0; k < K; k++) acc += (a.data[i * K + k] as number) * (B.data[transB ? j * K + k : k * Nn + j] as number);
          data[i * Nn + j] = alpha * acc + (c ? beta * (c.data[c.data.length === Nn ? j : i * Nn + j] as number) : 0);
        }
        out = { dims: [...a.dims.slice(0, -1), Nn], data };
        break;
      }
      default: throw new Error(`reference: no op ${n.op_type}`);
    }
    env.set(n.output[0] as string, out);
  }
  return get(g.output[0]?.name as string);
}
