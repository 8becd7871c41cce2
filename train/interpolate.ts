/**
 * @module Weight-space interpolation of two fine-tunings of one network (WiSE-FT, Wortsman et al.
 * 2022): every float weight becomes (1 - alpha) * A + alpha * B. Between the projection-aware
 * recognizer and an adversarially fine-tuned one it gives points on the clean-cost / robustness
 * curve without training. Pure: the output is a function of the two models and alpha.
 */
import { DataType, tensorValues, withWeights, type Model } from '../eval/onnx/proto.ts';

/** (1 - alpha) a + alpha b, elementwise. */
export function lerpWeights(a: Float32Array, b: Float32Array, alpha: number): Float32Array {
  if (a.length !== b.length) throw new Error(`[pinface] [interpolate] ${a.length} vs ${b.length} weights`);
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (1 - alpha) * (a[i] as number) + alpha * (b[i] as number);
  return out;
}

/** `a`'s graph with its float weights moved alpha of the way to `b`'s; the graphs must match but for weights. */
export function interpolateModels(a: Model, b: Model, alpha: number): Model {
  const ops = (m: Model) => JSON.stringify(m.graph.node.map((n) => [n.op_type, n.input, n.output, n.attribute]));
  if (ops(a) !== ops(b)) throw new Error('[pinface] [interpolate] the two models are not the same graph');
  const other = new Map(b.graph.initializer.map((t) => [t.name, t]));
  const weights = new Map<string, Float32Array>();
  for (const t of a.graph.initializer) {
    if (t.data_type !== DataType.FLOAT) continue;
    const u = other.get(t.name);
    if (!u) throw new Error(`[pinface] [interpolate] ${t.name} is missing from the second model`);
    weights.set(t.name, lerpWeights(tensorValues(t), tensorValues(u), alpha));
  }
  return withWeights(a, weights);
}
