/**
 * @module Loss heads as ONNX subgraphs appended to a network, so one onnxruntime run does the
 * forward pass, the loss and (through eval/grad's reverse mode) every weight's gradient.
 */
import { floatTensor, floatValue, int, int64Tensor, ints, node, type Model, type Node, type Tensor } from '../eval/onnx/proto.ts';

export const LOSS_OUTPUT = 'loss';
export const TARGET_INPUT = 'target';

/**
 * f(x) -> per-sample loss [N, 1] = 1 - cos(f(x), target), with `target` [N, dim] unit rows fed as
 * a second input: label-free distillation toward a teacher's embedding. The norm has a floor
 * (eps under the root) so a zero output has a finite gradient.
 */
export function withCosineLoss(forward: Model, dim: number): Model {
  const g = forward.graph;
  const y = g.output[0]?.name;
  if (!y) throw new Error('[pinface] [train] the network has no output');
  const opset = Math.max(...forward.opset_import.filter((o) => !o.domain).map((o) => Number(o.version)), 0);
  const inits: Tensor[] = [floatTensor('loss_eps', [], new Float32Array([1e-12])), floatTensor('loss_one', [], new Float32Array([1]))];
  const sumRows = (input: string, output: string): Node => {
    if (opset < 13) return node('ReduceSum', [input], [output], [ints('axes', [1]), int('keepdims', 1)]);
    if (!inits.some((t) => t.name === 'loss_axes')) inits.push(int64Tensor('loss_axes', [1], [1]));
    return node('ReduceSum', [input, 'loss_axes'], [output], [int('keepdims', 1)]);
  };
  const nodes: Node[] = [
    node('Mul', [y, y], ['loss_sq']),
    sumRows('loss_sq', 'loss_ss'),
    node('Add', ['loss_ss', 'loss_eps'], ['loss_ss_eps']),
    node('Sqrt', ['loss_ss_eps'], ['loss_norm']),
    node('Div', [y, 'loss_norm'], ['loss_unit']),
    node('Mul', ['loss_unit', TARGET_INPUT], ['loss_prod']),
    sumRows('loss_prod', 'loss_cos'),
    node('Sub', ['loss_one', 'loss_cos'], [LOSS_OUTPUT]),
  ];
  return {
    ...forward,
    graph: {
      ...g,
      node: [...g.node, ...nodes],
      initializer: [...g.initializer, ...inits],
      input: [...g.input, floatValue(TARGET_INPUT, [1, dim])],
      output: [floatValue(LOSS_OUTPUT, [1, 1])],
    },
  };
}
