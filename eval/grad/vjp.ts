/**
 * @module Reverse mode for ONNX inference graphs: from a model f and its input x, a new model that
 * computes f(x) and vector-Jacobian products for a cotangent g: d<g, f(x)>/dx for the input (the
 * attack lab) and, when asked, for named weights (training: those weights become graph inputs,
 * so one session serves every step of an optimizer). Standard ONNX ops only, so onnxruntime runs
 * the backward pass as fast as the forward one. An op without a rule throws: a silently wrong
 * gradient would make every attack look weaker, and every training run worse, than it is.
 */
import { floatValue, int64Tensor, int64Values, ints, int, node, tensorValues, floatTensor, type Attribute, type Model, type Node, type Tensor } from '../onnx/proto.ts';

/** Static shapes of the forward graph's tensors (batch included), as a shape probe measured them. */
export type Shapes = ReadonlyMap<string, readonly number[]>;

export interface VjpModel {
  model: Model;
  /** Input names: the forward input and the cotangent. Outputs: the forward output and the input's gradient. */
  input: string; cotangent: string; output: string; gradient: string;
}

export interface ParamVjpModel {
  model: Model;
  input: string; cotangent: string; output: string;
  /** Further graph inputs that are data, not differentiated (a loss's target), fed as they are. */
  extraInputs: string[];
  /** The input's gradient output, when it was asked for. */
  gradient?: string;
  /** Weight name (now a graph input, in this order) -> its gradient output. */
  params: ReadonlyMap<string, string>;
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

/** The float weights a training step can update: every float initializer an op reads as data (not a shape or an index). */
export function trainableParams(model: Model): string[] {
  const floats = new Set(model.graph.initializer.filter((t) => t.data_type === 1).map((t) => t.name));
  const used = new Set<string>();
  for (const n of model.graph.node) {
    const data = n.op_type === 'BatchNormalization' ? n.input.slice(0, 3) : ['Reshape', 'Pad', 'Slice'].includes(n.op_type) ? n.input.slice(0, 1) : n.input;
    for (const i of data) if (floats.has(i)) used.add(i);
  }
  return model.graph.initializer.map((t) => t.name).filter((name) => used.has(name));
}

/**
 * Builds the VJP model for the input x. `batch` replaces the forward input's first dimension by
 * a symbolic one (Reshape targets that hard-code the batch are rewritten to copy it), so one
 * session serves any batch size.
 */
export function vjpModel(forward: Model, shapes: Shapes, { batch = true } = {}): VjpModel {
  const r = reverseModel(forward, shapes, { batch, params: [], inputGradient: true });
  return { model: r.model, input: r.input, cotangent: r.cotangent, output: r.output, gradient: r.gradient as string };
}

/**
 * Builds the VJP model for the weights `params` (and the input when `inputGradient`): they
 * leave the initializers and become graph inputs after x and the cotangent, in the given order.
 */
export function reverseModel(forward: Model, shapes: Shapes, { batch = true, params = [] as readonly string[], inputGradient = true } = {}): ParamVjpModel {
  const g = forward.graph;
  const [input, ...extraInputs] = g.input.filter((v) => !g.initializer.some((t) => t.name === v.name)).map((v) => v.name);
  const output = g.output[0]?.name;
  if (!input || !output) throw new Error('[pinface] [vjp] the model needs a graph input and an output');
  const consts = new Map<string, Tensor>(g.initializer.map((t) => [t.name, t]));
  for (const p of params) if (consts.get(p)?.data_type !== 1) throw new Error(`[pinface] [vjp] ${p} is not a float initializer of the model`);
  const shapeOf = (name: string): readonly number[] => {
    const s = shapes.get(name) ?? consts.get(name)?.dims;
    if (!s) throw new Error(`[pinface] [vjp] no shape for tensor ${name}; probe the model's shapes first`);
    return s;
  };

  // Which tensors depend on what we differentiate for: only those get gradients.
  const sources = [...(inputGradient ? [input] : []), ...params];
  const live = new Set(sources);
  for (const n of g.node) if (n.input.some((i) => live.has(i))) for (const o of n.output) live.add(o);
  if (!live.has(output)) throw new Error(`[pinface] [vjp] ${output} depends on none of ${sources.join(', ')}`);

  // Slice and Where need opset 10 and 9; axes became ReduceSum's input at 13; MaxPool's flat indices need 16.
  const forwardOpset = Math.max(...forward.opset_import.filter((o) => !o.domain).map((o) => Number(o.version)), 0);
  const opset = Math.max(forwardOpset, 11, g.node.some((n) => n.op_type === 'MaxPool') ? 16 : 0);

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
  const constant = (hint: string, dims: number[], data: Float32Array): string => {
    const name = fresh(hint);
    extraInits.push(floatTensor(name, dims, data));
    return name;
  };
  let zeroName: string | undefined;
  const zero = (): string => (zeroName ??= constant('zero', [], new Float32Array([0])));
  const reduceSum = (x: string, axes: number[], keepdims: 0 | 1, hint = 'reduce_sum'): string =>
    opset >= 13
      ? emit('ReduceSum', [x, int64Const(`${hint}_axes`, axes)], [int('keepdims', keepdims)], hint)
      : emit('ReduceSum', [x], [ints('axes', axes), int('keepdims', keepdims)], hint);
  const transpose = (x: string, perm: number[], hint = 'transpose'): string => emit('Transpose', [x], [ints('perm', perm)], hint);
  const reshape = (x: string, dims: number[], hint = 'reshape'): string => emit('Reshape', [x, int64Const(`${hint}_shape`, dims)], [], hint);

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
    const summed = reduceSum(grad, axes, 1, 'unbroadcast');
    return pad === 0 ? summed : reshape(summed, [...to], 'unbroadcast');
  };

  const cotangent = fresh('cotangent');
  grads.set(output, cotangent);

  for (let k = g.node.length - 1; k >= 0; k--) {
    const n = g.node[k] as Node;
    const dy = grads.get(n.output[0] as string);
    if (!dy || !n.input.some((i) => live.has(i))) continue;
    const a = n.input[0] as string, b = n.input[1] ?? '';
    const needs = (i: string | undefined): i is string => i !== undefined && i !== '' && live.has(i);
    const out = shapeOf(n.output[0] as string);
    switch (n.op_type) {
      case 'Conv': {
        const autoPad = attr(n, 'auto_pad')?.s;
        if (autoPad && new TextDecoder().decode(autoPad) !== 'NOTSET') throw new Error('[pinface] [vjp] Conv auto_pad is not supported; export with explicit pads');
        const w = shapeOf(b), x = shapeOf(a);
        const spatial = w.length - 2;
        const kernel = attrInts(n, 'kernel_shape', w.slice(2) as number[]);
        const strides = attrInts(n, 'strides', Array(spatial).fill(1));
        const dil = attrInts(n, 'dilations', Array(spatial).fill(1));
        const pads = attrInts(n, 'pads', Array(2 * spatial).fill(0));
        const group = attrInt(n, 'group', 1) || 1;
        if (needs(a)) {
          // ConvTranspose's output size falls short of x's when the forward stride skipped pixels.
          const outputPadding = kernel.map((kk, i) => {
            const full = ((out[2 + i] as number) - 1) * (strides[i] as number) - (pads[i] as number) - (pads[i + spatial] as number) + (dil[i] as number) * (kk - 1) + 1;
            return (x[2 + i] as number) - full;
          });
          accumulate(a, emit('ConvTranspose', [dy, b], [
            ints('kernel_shape', kernel), ints('strides', strides), ints('dilations', dil), ints('pads', pads),
            ints('output_padding', outputPadding), int('group', group),
          ], 'conv_dx'));
        }
        if (needs(b)) {
          // dW[o, c] = sum over the batch of x[:, c] correlated with dy[:, o]: a Conv whose batch is the
          // in-channel of a group and whose channels are (group, sample), with stride and dilation
          // swapped. Its kernel-sized corner is dW (the rest lies beyond the forward's last tap).
          if (spatial !== 2) throw new Error('[pinface] [vjp] Conv weight gradients need 2-D convolutions');
          const [, C, H, W] = x as [number, number, number, number];
          const cg = C / group;
          const xs = reshape(transpose(reshape(a, [0, group, cg, H, W], 'conv_dw_x'), [2, 1, 0, 3, 4]), [cg, -1, H, W], 'conv_dw_x');
          const full = emit('Conv', [xs, transpose(dy, [1, 0, 2, 3], 'conv_dw_dy')], [
            ints('strides', dil), ints('dilations', strides), ints('pads', pads), int('group', group),
          ], 'conv_dw_full');
          const corner = emit('Slice', [full, int64Const('conv_dw_starts', [0, 0]), int64Const('conv_dw_ends', kernel), int64Const('conv_dw_axes', [2, 3])], [], 'conv_dw');
          accumulate(b, transpose(corner, [1, 0, 2, 3], 'conv_dw'));
        }
        const bias = n.input[2];
        if (needs(bias)) accumulate(bias, reduceSum(dy, [0, 2, 3], 0, 'conv_db'));
        break;
      }
      case 'PRelu': {
        // Arithmetic instead of Where: onnxruntime's broadcasting Where runs on one thread and was
        // the largest cost of a training step. dx = dy * (slope + [x > 0] (1 - slope)).
        const positive = emit('Cast', [emit('Greater', [a, zero()])], [int('to', 1)]);
        if (needs(a)) {
          const oneMinus = emit('Sub', [constant('one', [], new Float32Array([1])), b]);
          accumulate(a, emit('Mul', [dy, emit('Add', [b, emit('Mul', [positive, oneMinus])])], [], 'prelu_dx'));
        }
        if (needs(b)) accumulate(b, unbroadcast(emit('Mul', [dy, emit('Min', [a, zero()])], [], 'prelu_dslope'), out, shapeOf(b)));
        break;
      }
      case 'Relu': {
        const positive = emit('Cast', [emit('Greater', [a, zero()])], [int('to', 1)]);
        accumulate(a, emit('Mul', [dy, positive], [], 'relu_dx'));
        break;
      }
      case 'Add':
      case 'Sub': {
        if (needs(a)) accumulate(a, unbroadcast(dy, out, shapeOf(a)));
        if (needs(b)) accumulate(b, unbroadcast(n.op_type === 'Sub' ? emit('Neg', [dy]) : dy, out, shapeOf(b)));
        break;
      }
      case 'Mul': {
        if (needs(a)) accumulate(a, unbroadcast(emit('Mul', [dy, b]), out, shapeOf(a)));
        if (needs(b)) accumulate(b, unbroadcast(emit('Mul', [dy, a]), out, shapeOf(b)));
        break;
      }
      case 'Div': {
        // y = a / b: da = dy / b, db = -dy * y / b.
        if (needs(a)) accumulate(a, unbroadcast(emit('Div', [dy, b]), out, shapeOf(a)));
        if (needs(b)) accumulate(b, unbroadcast(emit('Neg', [emit('Div', [emit('Mul', [dy, n.output[0] as string]), b])]), out, shapeOf(b)));
        break;
      }
      case 'Sqrt':
        // dy / (2 sqrt(a)), from the output itself.
        accumulate(a, emit('Div', [dy, emit('Add', [n.output[0] as string, n.output[0] as string])], [], 'sqrt_dx'));
        break;
      case 'ReduceSum': {
        // Every summed element gets the sum's gradient: put the reduced axes back (size 1) and broadcast.
        const x = shapeOf(a);
        const axes = (opset >= 13 && n.input[1] ? int64Values(consts.get(n.input[1]) as Tensor) : attrInts(n, 'axes', x.map((_, i) => i))).map((ax) => (ax < 0 ? ax + x.length : ax));
        const kept = attrInt(n, 'keepdims', 1) ? dy : reshape(dy, x.map((d, i) => (axes.includes(i) ? 1 : i === 0 && batch ? 0 : d)), 'reducesum_keep');
        accumulate(a, emit('Expand', [kept, emit('Shape', [a])], [], 'reducesum_dx'));
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
        // Inference BN is per-channel affine: y = scale * (x - mean) / sqrt(var + eps) + bias.
        const [, scale, biasName, mean, variance] = n.input as [string, string, string, string, string];
        if (needs(mean) || needs(variance)) throw new Error('[pinface] [vjp] BatchNormalization statistics are not trainable');
        const v = tensorValues(consts.get(variance) as Tensor), eps = attrFloat(n, 'epsilon', 1e-5);
        const rank = shapeOf(a).length, C = v.length;
        const perChannel = [C, ...Array(rank - 2).fill(1)] as number[];
        const invStd = constant('bn_inv_std', perChannel, v.map((vc) => 1 / Math.sqrt(vc + eps)));
        const reduceAxes = [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2)];
        if (needs(a)) accumulate(a, emit('Mul', [dy, emit('Mul', [reshape(scale, perChannel, 'bn_scale'), invStd])], [], 'bn_dx'));
        if (needs(scale)) {
          const normalized = emit('Mul', [emit('Sub', [a, reshape(mean, perChannel, 'bn_mean')]), invStd]);
          accumulate(scale, reduceSum(emit('Mul', [dy, normalized]), reduceAxes, 0, 'bn_dscale'));
        }
        if (needs(biasName)) accumulate(biasName, reduceSum(dy, reduceAxes, 0, 'bn_dbias'));
        break;
      }
      case 'Gemm': {
        // y = alpha * A' B' + beta C, A' = transA ? A^T : A, B' likewise.
        const transA = attrInt(n, 'transA', 0), transB = attrInt(n, 'transB', 0), alpha = attrFloat(n, 'alpha', 1), beta = attrFloat(n, 'beta', 1);
        const alphaAttr = { name: 'alpha', type: 1, f: alpha };
        if (needs(a)) {
          const da = emit('Gemm', [dy, b], [int('transB', transB ? 0 : 1), alphaAttr], 'gemm_da'); // dA' = alpha dy B'^T
          accumulate(a, transA ? transpose(da, [1, 0]) : da);
        }
        if (needs(b)) {
          const db = emit('Gemm', [a, dy], [int('transA', transA ? 0 : 1), alphaAttr], 'gemm_db'); // dB' = alpha A'^T dy
          accumulate(b, transB ? transpose(db, [1, 0]) : db);
        }
        const c = n.input[2];
        if (needs(c)) {
          const dc = unbroadcast(dy, out, shapeOf(c));
          accumulate(c, beta === 1 ? dc : emit('Mul', [dc, constant('gemm_beta', [], new Float32Array([beta]))]));
        }
        break;
      }
      case 'MatMul': {
        const as = shapeOf(a), bs = shapeOf(b);
        if (bs.length !== 2) throw new Error('[pinface] [vjp] MatMul gradient supports a 2-D right operand');
        if (needs(a)) accumulate(a, emit('MatMul', [dy, transpose(b, [1, 0])], [], 'matmul_da'));
        if (needs(b)) {
          // Rows of every leading axis of A are rows of one matrix: dB = A_flat^T dy_flat.
          const aFlat = reshape(a, [-1, as[as.length - 1] as number], 'matmul_a_rows');
          const dyFlat = reshape(dy, [-1, bs[1] as number], 'matmul_dy_rows');
          accumulate(b, emit('MatMul', [transpose(aFlat, [1, 0]), dyFlat], [], 'matmul_db'));
        }
        break;
      }
      case 'Transpose': {
        const perm = attrInts(n, 'perm', shapeOf(a).map((_, i, all) => all.length - 1 - i));
        accumulate(a, transpose(dy, perm.map((_, i) => perm.indexOf(i)), 'transpose_dx'));
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

  const outputs: ReturnType<typeof floatValue>[] = [];
  const dims = (s: readonly number[]) => (batch ? ['N', ...s.slice(1)] : [...s]);
  const finish = (source: string, name: string, shape: Array<number | string>): string => {
    const grad = grads.get(source);
    if (!grad) throw new Error(`[pinface] [vjp] the gradient did not reach ${source}`);
    nodes.push(node('Identity', [grad], [name]));
    outputs.push(floatValue(name, shape));
    return name;
  };
  const gradient = inputGradient ? finish(input, 'vjp_gradient', dims(shapeOf(input))) : undefined;
  const paramGrads = new Map(params.map((p, i) => [p, finish(p, `vjp_param_${i}`, [...shapeOf(p)])]));
  const paramSet = new Set(params);
  return {
    input, output, cotangent, extraInputs, params: paramGrads, ...(gradient ? { gradient } : {}),
    model: {
      ir_version: Math.max(Number(forward.ir_version), 7),
      opset_import: [{ domain: '', version: opset }],
      producer_name: 'pinface-vjp',
      graph: {
        name: `${g.name || 'model'}_vjp`,
        node: nodes,
        initializer: [...[...consts.values()].filter((t) => !paramSet.has(t.name)), ...extraInits],
        input: [
          floatValue(input, dims(shapeOf(input))), floatValue(cotangent, dims(shapeOf(output))),
          ...extraInputs.map((e) => floatValue(e, dims(shapeOf(e)))), ...params.map((p) => floatValue(p, [...shapeOf(p)])),
        ],
        output: [floatValue(output, dims(shapeOf(output))), ...outputs],
        value_info: [],
      },
    },
  };
}
