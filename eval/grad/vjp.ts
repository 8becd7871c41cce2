/**
 * @module Reverse mode for ONNX inference graphs: from a model f and its input x, a new model that
 * computes f(x) and the vector-Jacobian product dx = (d<g, f(x)>/dx) for a cotangent g, with
 * standard ONNX ops only, so onnxruntime runs the backward pass as fast as the forward one.
 * Only the input's gradient is built (weights are constants to an attacker). An op without a
 * rule here throws: a silently wrong gradient would make every attack look weaker than it is.
 */
import { floatValue, int64Tensor, int64Values, ints, int, node, tensorValues, floatTensor, type Attribute, type Model, type Node, type Tensor } from '../onnx/proto.ts';

/** Static shapes of the forward graph's tensors (batch included), as a shape probe measured them. */
export type Shapes = ReadonlyMap<string, readonly number[]>;

export interface VjpModel {
  model: Model;
  /** Input names: the forward input and the cotangent. Outputs: the forward output and the gradient. */
  input: string; cotangent: string; output: string; gradient: string;
}

const attr = (n: Node, name: string): Attribute | undefined => n.attribute.find((a) => a.name === name);
const attrInts = (n: Node, name: string, fallback: number[]): number[] => attr(n, name)?.ints?.map(Number) ?? fallback;
const attrInt = (n: Node, name: string, fallback: number): number => Number(attr(n, name)?.i ?? fallback);
const attrFloat = (n: Node, name: string, fallback: number): number => attr(n, name)?.f ?? fallback;

/** Reshape targets copied from a batch-1 export: a leading 1 becomes 0 ("copy the input's dim"). */
function copyBatchInReshapes(nodes: readonly Node[], consts: Map<string, Tensor>): void {
  for (const n of nodes) {
    if (n.op_type !== 'Reshape') continue;
    const t = consts.get(n.input[1] as string);
    const v = t ? int64Values(t) : [];
    if (t && v[0] === 1) consts.set(t.name, int64Tensor(t.name, t.dims.map(Number), [0, ...v.slice(1)]));
  }
}

/** The forward model with a symbolic batch dimension (input, output and Reshape targets). */
export function batchedModel(forward: Model, shapes: Shapes): Model {
  const g = forward.graph;
  const consts = new Map<string, Tensor>(g.initializer.map((t) => [t.name, t]));
  copyBatchInReshapes(g.node, consts);
  const symbolic = (name: string) => floatValue(name, ['N', ...(shapes.get(name) ?? []).slice(1)]);
  return { ...forward, graph: { ...g, initializer: [...consts.values()], input: g.input.map((v) => symbolic(v.name)), output: g.output.map((v) => symbolic(v.name)) } };
}

/**
 * Builds the VJP model. `batch` replaces the forward input's first dimension by a symbolic one
 * (Reshape targets that hard-code the batch are rewritten to copy it), so one session serves
 * any batch size.
 */
export function vjpModel(forward: Model, shapes: Shapes, { batch = true } = {}): VjpModel {
  const g = forward.graph;
  const input = g.input.find((v) => !g.initializer.some((t) => t.name === v.name))?.name;
  const output = g.output[0]?.name;
  if (!input || !output) throw new Error('[pinface] [vjp] the model needs one graph input and an output');
  const consts = new Map<string, Tensor>(g.initializer.map((t) => [t.name, t]));
  const shapeOf = (name: string): readonly number[] => {
    const s = shapes.get(name) ?? consts.get(name)?.dims;
    if (!s) throw new Error(`[pinface] [vjp] no shape for tensor ${name}; probe the model's shapes first`);
    return s;
  };

  // Which tensors depend on the input: only those get gradients.
  const live = new Set([input]);
  for (const n of g.node) if (n.input.some((i) => live.has(i))) for (const o of n.output) live.add(o);
  if (!live.has(output)) throw new Error(`[pinface] [vjp] ${output} does not depend on ${input}`);

  const nodes: Node[] = [...g.node];
  const extraInits: Tensor[] = [];
  let uid = 0;
  const fresh = (hint: string) => `vjp_${uid++}_${hint.replace(/[^A-Za-z0-9_]/g, '_')}`;
  const emit = (op: string, inputs: string[], attrs: Attribute[] = [], hint = op): string => {
    const out = fresh(hint);
    nodes.push(node(op, inputs, [out], attrs));
    return out;
  };
  const int64Const = (hint: string, v: number[]): string => {
    const name = fresh(hint);
    extraInits.push(int64Tensor(name, [v.length], v));
    return name;
  };
  let minOpset = 9; // Where and a float Greater need 9; a rule that needs more raises it
  const constant = (hint: string, dims: number[], data: Float32Array): string => {
    const name = fresh(hint);
    extraInits.push(floatTensor(name, dims, data));
    return name;
  };

  if (batch) copyBatchInReshapes(nodes, consts);

  const grads = new Map<string, string>();
  const accumulate = (name: string, grad: string) => {
    const prev = grads.get(name);
    grads.set(name, prev ? emit('Add', [prev, grad], [], `acc_${name}`) : grad);
  };
  /** Sums a gradient of the output's shape down to a broadcast input's shape (numpy rules). */
  const unbroadcast = (grad: string, from: readonly number[], to: readonly number[]): string => {
    if (from.length === to.length && from.every((d, i) => d === to[i])) return grad;
    const pad = from.length - to.length;
    const axes = from.map((d, i) => (i < pad || (to[i - pad] === 1 && d !== 1) ? i : -1)).filter((i) => i >= 0);
    const summed = emit('ReduceSum', [grad], [ints('axes', axes), int('keepdims', 1)], 'unbroadcast');
    if (pad === 0) return summed;
    const target = fresh('unbroadcast_shape');
    extraInits.push(int64Tensor(target, [to.length], [...to]));
    return emit('Reshape', [summed, target], [], 'unbroadcast');
  };

  const cotangent = fresh('cotangent');
  grads.set(output, cotangent);

  for (let k = g.node.length - 1; k >= 0; k--) {
    const n = g.node[k] as Node;
    const dy = grads.get(n.output[0] as string);
    if (!dy || !n.input.some((i) => live.has(i))) continue;
    const a = n.input[0] as string, b = n.input[1] ?? '';
    const needs = (i: string): boolean => i !== '' && live.has(i);
    switch (n.op_type) {
      case 'Conv': {
        if (needs(b)) throw new Error('[pinface] [vjp] Conv with an input-dependent weight is not supported');
        const autoPad = attr(n, 'auto_pad')?.s;
        if (autoPad && new TextDecoder().decode(autoPad) !== 'NOTSET') throw new Error('[pinface] [vjp] Conv auto_pad is not supported; export with explicit pads');
        const w = shapeOf(b), x = shapeOf(a), y = shapeOf(n.output[0] as string);
        const spatial = w.length - 2;
        const kernel = attrInts(n, 'kernel_shape', w.slice(2) as number[]);
        const strides = attrInts(n, 'strides', Array(spatial).fill(1));
        const dil = attrInts(n, 'dilations', Array(spatial).fill(1));
        const pads = attrInts(n, 'pads', Array(2 * spatial).fill(0));
        // ConvTranspose's output size falls short of x's when the forward stride skipped pixels.
        const outputPadding = kernel.map((kk, i) => {
          const full = ((y[2 + i] as number) - 1) * (strides[i] as number) - (pads[i] as number) - (pads[i + spatial] as number) + (dil[i] as number) * (kk - 1) + 1;
          return (x[2 + i] as number) - full;
        });
        accumulate(a, emit('ConvTranspose', [dy, b], [
          ints('kernel_shape', kernel), ints('strides', strides), ints('dilations', dil), ints('pads', pads),
          ints('output_padding', outputPadding), int('group', attrInt(n, 'group', 1)),
        ], 'conv_dx'));
        break;
      }
      case 'PRelu': {
        if (needs(b)) throw new Error('[pinface] [vjp] PRelu with an input-dependent slope is not supported');
        const positive = emit('Greater', [a, constant('zero', [], new Float32Array([0]))]);
        accumulate(a, emit('Where', [positive, dy, emit('Mul', [dy, b])], [], 'prelu_dx'));
        break;
      }
      case 'Relu': {
        const positive = emit('Cast', [emit('Greater', [a, constant('zero', [], new Float32Array([0]))])], [int('to', 1)]);
        accumulate(a, emit('Mul', [dy, positive], [], 'relu_dx'));
        break;
      }
      case 'Add':
      case 'Sub': {
        const out = shapeOf(n.output[0] as string);
        if (needs(a)) accumulate(a, unbroadcast(dy, out, shapeOf(a)));
        if (needs(b)) {
          const gb = n.op_type === 'Sub' ? emit('Neg', [dy]) : dy;
          accumulate(b, unbroadcast(gb, out, shapeOf(b)));
        }
        break;
      }
      case 'Mul': {
        const out = shapeOf(n.output[0] as string);
        if (needs(a)) accumulate(a, unbroadcast(emit('Mul', [dy, b]), out, shapeOf(a)));
        if (needs(b)) accumulate(b, unbroadcast(emit('Mul', [dy, a]), out, shapeOf(b)));
        break;
      }
      case 'Reshape':
      case 'Flatten':
        accumulate(a, emit('Reshape', [dy, emit('Shape', [a])], [], 'reshape_dx'));
        break;
      case 'Identity':
      case 'Dropout':
        accumulate(a, dy);
        break;
      case 'BatchNormalization': {
        // Inference BN is per-channel affine: dx = dy * scale / sqrt(var + eps).
        const [, scale, , , variance] = n.input as string[];
        const s = tensorValues(consts.get(scale as string) as Tensor), v = tensorValues(consts.get(variance as string) as Tensor);
        const eps = attrFloat(n, 'epsilon', 1e-5);
        const factor = s.map((si, c) => si / Math.sqrt((v[c] as number) + eps));
        const rank = shapeOf(a).length;
        accumulate(a, emit('Mul', [dy, constant('bn_factor', [s.length, ...Array(rank - 2).fill(1)], factor)], [], 'bn_dx'));
        break;
      }
      case 'Gemm': {
        if (needs(b)) throw new Error('[pinface] [vjp] Gemm with an input-dependent B is not supported');
        // y = alpha * A' B' + beta C; dA' = alpha * dy B'^T, and dA = dA'^T when transA.
        const transA = attrInt(n, 'transA', 0), transB = attrInt(n, 'transB', 0), alpha = attrFloat(n, 'alpha', 1);
        const da = emit('Gemm', [dy, b], [int('transB', transB ? 0 : 1), { name: 'alpha', type: 1, f: alpha }], 'gemm_da');
        accumulate(a, transA ? emit('Transpose', [da], [ints('perm', [1, 0])]) : da);
        break;
      }
      case 'MatMul': {
        if (needs(b)) throw new Error('[pinface] [vjp] MatMul with an input-dependent right operand is not supported');
        const bs = shapeOf(b);
        if (bs.length !== 2) throw new Error('[pinface] [vjp] MatMul gradient supports a 2-D constant right operand');
        accumulate(a, emit('MatMul', [dy, emit('Transpose', [b], [ints('perm', [1, 0])])], [], 'matmul_da'));
        break;
      }
      case 'Transpose': {
        const perm = attrInts(n, 'perm', shapeOf(a).map((_, i, all) => all.length - 1 - i));
        const inverse = perm.map((_, i) => perm.indexOf(i));
        accumulate(a, emit('Transpose', [dy], [ints('perm', inverse)], 'transpose_dx'));
        break;
      }
      case 'Pad': {
        // Constant padding: the gradient is the slice of dy where the input sits.
        const mode = attr(n, 'mode')?.s;
        if (mode && new TextDecoder().decode(mode) !== 'constant') throw new Error('[pinface] [vjp] Pad supports mode constant only');
        const pt = consts.get(b);
        const pads = pt ? int64Values(pt) : attrInts(n, 'pads', []);
        const x = shapeOf(a), rank = x.length;
        if (pads.length !== 2 * rank || pads.some((p) => p < 0) || pads[0] !== 0 || pads[rank] !== 0) {
          throw new Error('[pinface] [vjp] Pad needs constant, non-negative pads that leave the batch axis alone');
        }
        const axes = x.map((_, i) => i).filter((i) => i > 0);
        const starts = axes.map((i) => pads[i] as number), ends = axes.map((i) => (pads[i] as number) + (x[i] as number));
        accumulate(a, emit('Slice', [dy, int64Const('pad_starts', starts), int64Const('pad_ends', ends), int64Const('pad_axes', axes)], [], 'pad_dx'));
        break;
      }
      case 'MaxPool': {
        // dy goes to each window's argmax: the pool's Indices (flat over N*C*H*W) scatter-added
        // into zeros. Overlapping windows may pick one pixel twice, hence reduction 'add'.
        if (n.output.length > 1 && n.output[1]) throw new Error('[pinface] [vjp] MaxPool with an Indices output is not supported');
        if (attrInt(n, 'ceil_mode', 0) || attrInt(n, 'storage_order', 0)) throw new Error('[pinface] [vjp] MaxPool: ceil_mode and storage_order must be 0');
        minOpset = Math.max(minOpset, 16);
        const indices = fresh('maxpool_indices');
        nodes[k] = { ...n, output: [n.output[0] as string, indices] };
        const flat = int64Const('flat', [-1]);
        const zeros = emit('Reshape', [emit('ConstantOfShape', [emit('Shape', [a])]), flat]);
        const scattered = emit('ScatterElements', [zeros, emit('Reshape', [indices, flat]), emit('Reshape', [dy, flat])], [int('axis', 0), { name: 'reduction', type: 3, s: new TextEncoder().encode('add') }], 'maxpool_dx');
        accumulate(a, emit('Reshape', [scattered, emit('Shape', [a])]));
        break;
      }
      default:
        throw new Error(`[pinface] [vjp] no gradient rule for ${n.op_type} (node ${n.name ?? n.output[0]}); add one to eval/grad/vjp.ts`);
    }
  }

  const dx = grads.get(input);
  if (!dx) throw new Error('[pinface] [vjp] the gradient did not reach the input');
  const gradient = 'vjp_gradient';
  nodes.push(node('Identity', [dx], [gradient]));
  const inShape = shapeOf(input), outShape = shapeOf(output);
  const dims = (s: readonly number[]) => (batch ? ['N', ...s.slice(1)] : [...s]);
  const opset = Math.max(...forward.opset_import.filter((o) => !o.domain).map((o) => Number(o.version)), 0);
  return {
    input, output, gradient, cotangent,
    model: {
      ir_version: Math.max(Number(forward.ir_version), 4),
      opset_import: [{ domain: '', version: Math.max(opset, minOpset) }],
      producer_name: 'pinface-vjp',
      graph: {
        name: `${g.name || 'model'}_vjp`,
        node: nodes,
        initializer: [...consts.values(), ...extraInits],
        input: [floatValue(input, dims(inShape)), floatValue(cotangent, dims(outShape))],
        output: [floatValue(output, dims(outShape)), floatValue(gradient, dims(inShape))],
        value_info: [],
      },
    },
  };
}
