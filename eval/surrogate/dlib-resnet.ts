/**
 * @module The transfer surrogate (threat model d): dlib's ResNet face descriptor as face-api ports
 * it to TFJS (npm @vladmandic/face-api, fetched and sha256-checked by scripts/fetch-models.ts),
 * rebuilt here as an ONNX graph from its weights so that the lab's VJP generator and
 * onnxruntime-node differentiate it exactly like our recognizer. Another architecture, another
 * loss (metric learning), other training data, 128-d: what an attacker without our model has.
 *
 * The graph takes the recognizer's input (three planes of (v - 127) / 128 over the 112x112 crop),
 * so the attack objective drives either model unchanged. It maps the planes back to 0-255 pixels,
 * places the crop on dlib's 150x150 chip (bilinear, as separable matrix products; mid-gray
 * around it) and then follows face-api's FaceRecognitionNet.forwardInput op for op: conv
 * layers (conv + bias + per-channel scale, folded into one Conv), residual blocks, a 3x3/2 max
 * pool, average-pool shortcuts zero-padded in channels (one Conv), the global mean and the fc.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FEATURE_NORMALIZE } from '../../src/pipeline/embed.ts';
import { FACE_SIDE, bilinearTap } from '../defenses/transforms.ts';
import { floatTensor, floatValue, int, int64Tensor, ints, node, writeModel, type Model, type Node, type Tensor } from '../onnx/proto.ts';

const CROP = FACE_SIDE;
const CHIP = 150;
/** face-api's per-channel mean (RGB); our crops are gray, so all three planes carry the same pixels. */
const MEAN_RGB = [122.782, 117.001, 104.298];

interface TfjsWeightSpec { name: string; shape: number[]; dtype: string; quantization?: { dtype: string; scale: number; min: number } }
export interface Weight { shape: number[]; data: Float32Array }

/** Decodes a TFJS weights manifest (one group) and its .bin: float32 and affine-quantised uint8. */
export function decodeTfjsWeights(manifest: Array<{ weights: TfjsWeightSpec[] }>, bin: Uint8Array): Map<string, Weight> {
  const out = new Map<string, Weight>();
  const view = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
  let at = 0;
  for (const spec of manifest.flatMap((g) => g.weights)) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    const q = spec.quantization;
    if (spec.dtype !== 'float32') throw new Error(`[pinface] [surrogate] ${spec.name}: dtype ${spec.dtype} is not supported`);
    if (q && q.dtype !== 'uint8') throw new Error(`[pinface] [surrogate] ${spec.name}: quantization ${q.dtype} is not supported`);
    for (let i = 0; i < n; i++) data[i] = q ? (bin[at + i] as number) * q.scale + q.min : view.getFloat32(at + 4 * i, true);
    at += q ? n : 4 * n;
    out.set(spec.name, { shape: spec.shape, data });
  }
  if (at !== bin.length) throw new Error(`[pinface] [surrogate] the weights manifest describes ${at} bytes, the file has ${bin.length}`);
  return out;
}

/**
 * The 150x150 chip placement as a matrix A (CHIP x CROP): the crop scaled to `side` pixels and
 * centred, bilinear with half-pixel centres (as our aligner samples). Rows outside the crop are 0.
 */
export function placementMatrix(side: number): { a: Float32Array; inside: boolean[] } {
  const a = new Float32Array(CHIP * CROP);
  const inside: boolean[] = [];
  const off = (CHIP - side) / 2;
  for (let o = 0; o < CHIP; o++) {
    const u = o + 0.5 - off; // position in the scaled crop
    inside.push(u >= 0 && u <= side);
    if (!inside[o]) continue;
    const [i0, i1, f] = bilinearTap(u, CROP, side);
    a[o * CROP + i0] = (a[o * CROP + i0] as number) + (1 - f);
    a[o * CROP + i1] = (a[o * CROP + i1] as number) + f;
  }
  return { a, inside };
}

export interface SurrogateOptions {
  /** Side of the crop on the 150 chip: dlib's chips frame the face more loosely than ArcFace's 112 crop. */
  side?: number;
}

/** The ONNX model: input `input` [1,3,112,112] (recognizer planes), output `descriptor` [1,128]. */
export function surrogateModel(weights: ReadonlyMap<string, Weight>, { side = CHIP }: SurrogateOptions = {}): Model {
  const nodes: Node[] = [];
  const inits: Tensor[] = [];
  let uid = 0;
  const op = (type: string, inputs: string[], attrs: Parameters<typeof node>[3] = []): string => {
    const out = `t${uid++}_${type}`;
    nodes.push(node(type, inputs, [out], attrs));
    return out;
  };
  const init = (dims: number[], data: Float32Array): string => {
    const name = `w${uid++}`;
    inits.push(floatTensor(name, dims, data));
    return name;
  };
  const get = (name: string): Weight => {
    const w = weights.get(name);
    if (!w) throw new Error(`[pinface] [surrogate] weight ${name} missing`);
    return w;
  };

  // Planes -> 0-255 pixels -> the chip (A X A^T, through two transposes) -> face-api's normalisation.
  let x = op('Add', [op('Mul', ['input', init([], Float32Array.of(FEATURE_NORMALIZE.scale))]), init([], Float32Array.of(FEATURE_NORMALIZE.mean))]);
  const { a, inside } = placementMatrix(side);
  const at = new Float32Array(CROP * CHIP);
  for (let o = 0; o < CHIP; o++) for (let i = 0; i < CROP; i++) at[i * CHIP + o] = a[o * CROP + i] as number;
  const aT = init([CROP, CHIP], at);
  const swap = [ints('perm', [0, 1, 3, 2])];
  x = op('Transpose', [op('MatMul', [op('Transpose', [op('MatMul', [x, aT])], swap), aT])], swap);
  const border = Float32Array.from({ length: CHIP * CHIP }, (_, k) => (inside[Math.floor(k / CHIP)] && inside[k % CHIP] ? 0 : 127.5));
  x = op('Add', [x, init([1, 1, CHIP, CHIP], border)]);
  x = op('Mul', [op('Sub', [x, init([1, 3, 1, 1], Float32Array.from(MEAN_RGB))]), init([], Float32Array.of(1 / 255))]);

  let size = CHIP; // spatial side, tracked to place face-api's shape adjustments
  /** conv + bias + scale folded: W' = W * s, b' = b * s + t (TFJS HWIO filters -> ONNX OIHW). */
  const convLayer = (input: string, prefix: string, stride: 1 | 2, relu: boolean): string => {
    const f = get(`${prefix}/conv/filters`), b = get(`${prefix}/conv/bias`), s = get(`${prefix}/scale/weights`), t = get(`${prefix}/scale/biases`);
    const [kh, kw, ci, co] = f.shape as [number, number, number, number];
    const w = new Float32Array(co * ci * kh * kw);
    for (let y = 0; y < kh; y++) for (let xx = 0; xx < kw; xx++) for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) {
      w[((o * ci + i) * kh + y) * kw + xx] = (f.data[((y * kw + xx) * ci + i) * co + o] as number) * (s.data[o] as number);
    }
    const bias = b.data.map((v, o) => v * (s.data[o] as number) + (t.data[o] as number));
    // TFJS 'same' at stride 1 pads (k-1)/2 each side; the stride-2 layers are 'valid'.
    const pad = stride === 1 ? (kh - 1) / 2 : 0;
    const out = op('Conv', [input, init([co, ci, kh, kw], w), init([co], bias)], [ints('kernel_shape', [kh, kw]), ints('strides', [stride, stride]), ints('pads', [pad, pad, pad, pad])]);
    if (stride === 2) size = Math.floor((size - kh) / 2) + 1;
    return relu ? op('Relu', [out]) : out;
  };
  const residual = (input: string, prefix: string): string =>
    op('Relu', [op('Add', [convLayer(convLayer(input, `${prefix}/conv1`, 1, true), `${prefix}/conv2`, 1, false), input])]);
  const residualDown = (input: string, prefix: string): string => {
    const inSize = size;
    const ci = get(`${prefix}/conv1/conv/filters`).shape[2] as number, co = get(`${prefix}/conv2/conv/filters`).shape[3] as number;
    let out = convLayer(convLayer(input, `${prefix}/conv1`, 2, true), `${prefix}/conv2`, 1, false);
    // Shortcut: 2x2/2 average pool, channels zero-padded to co: one Conv with 1/4 on the diagonal.
    const pw = new Float32Array(co * ci * 4);
    for (let c = 0; c < ci; c++) pw.fill(0.25, c * ci * 4 + c * 4, c * ci * 4 + c * 4 + 4);
    const pooled = op('Conv', [input, init([co, ci, 2, 2], pw)], [ints('kernel_shape', [2, 2]), ints('strides', [2, 2])]);
    const pooledSize = Math.floor((inSize - 2) / 2) + 1;
    if (pooledSize !== size) {
      // face-api appends a zero row and column to the conv branch when the pool is larger.
      const grow = pooledSize - size;
      const pads = `p${uid++}`;
      inits.push(int64Tensor(pads, [8], [0, 0, 0, 0, 0, 0, grow, grow]));
      out = op('Pad', [out, pads]);
      size = pooledSize;
    }
    return op('Relu', [op('Add', [pooled, out])]);
  };

  x = convLayer(x, 'conv32_down', 2, true);
  x = op('MaxPool', [x], [ints('kernel_shape', [3, 3]), ints('strides', [2, 2])]);
  size = Math.floor((size - 3) / 2) + 1;
  for (const block of ['conv32_1', 'conv32_2', 'conv32_3']) x = residual(x, block);
  x = residualDown(x, 'conv64_down');
  for (const block of ['conv64_1', 'conv64_2', 'conv64_3']) x = residual(x, block);
  x = residualDown(x, 'conv128_down');
  for (const block of ['conv128_1', 'conv128_2']) x = residual(x, block);
  x = residualDown(x, 'conv256_down');
  for (const block of ['conv256_1', 'conv256_2']) x = residual(x, block);
  x = residualDown(x, 'conv256_down_out');
  // Global mean as a depthwise Conv over the whole map, so the gradient reuses the Conv rule.
  const fc = get('fc');
  const channels = fc.shape[0] as number;
  const mean = op('Conv', [x, init([channels, 1, size, size], new Float32Array(channels * size * size).fill(1 / (size * size)))], [ints('kernel_shape', [size, size]), int('group', channels)]);
  nodes.push(node('MatMul', [op('Flatten', [mean]), init(fc.shape, fc.data)], ['descriptor']));

  return {
    ir_version: 8,
    opset_import: [{ domain: '', version: 17 }],
    producer_name: 'pinface-surrogate',
    graph: { name: 'dlib_resnet_face_api', node: nodes, initializer: inits, input: [floatValue('input', [1, 3, CROP, CROP])], output: [floatValue('descriptor', [1, fc.shape[1] as number])], value_info: [] },
  };
}

/** The surrogate's ONNX bytes from the fetched files in models/surrogate/. */
export function loadSurrogate(modelsDir: string, opts: SurrogateOptions = {}): Uint8Array {
  const dir = join(modelsDir, 'surrogate');
  const manifest = JSON.parse(readFileSync(join(dir, 'face_recognition_model-weights_manifest.json'), 'utf8')) as Array<{ weights: TfjsWeightSpec[] }>;
  const bin = new Uint8Array(readFileSync(join(dir, 'face_recognition_model.bin')));
  return writeModel(surrogateModel(decodeTfjsWeights(manifest, bin), opts));
}
