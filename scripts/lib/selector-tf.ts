/**
 * @module The learned selector as TensorFlow.js variables (training, scripts/train-selector.ts)
 * and back to the edge's SelectorNet: one formula, the same as pinLearned evaluates.
 */
import * as tf from '@tensorflow/tfjs';
import type { SelectorNet } from '../../src/immune/selector-file.ts';

export interface SelectorVars { alpha: tf.Variable; bias: tf.Variable; b1: tf.Variable; w1: tf.Variable; w2: tf.Variable }

export const selectorVars = (n: SelectorNet): SelectorVars => ({
  alpha: tf.variable(tf.tensor1d(n.alpha)), bias: tf.variable(tf.tensor1d(n.bias)), b1: tf.variable(tf.tensor1d(n.b1)),
  w1: tf.variable(tf.tensor2d(n.w1, [n.hidden, n.kp])), w2: tf.variable(tf.tensor2d(n.w2, [n.k, n.hidden])),
});

/** Logits for a batch: x [B, kp] (squashed coefficients), margin [B, k]. */
export function selectorLogits(v: SelectorVars, x: tf.Tensor2D, margin: tf.Tensor2D): tf.Tensor2D {
  const h = tf.relu(tf.add(tf.matMul(x, v.w1, false, true), v.b1));
  return tf.add(tf.add(tf.mul(margin, v.alpha), tf.matMul(h, v.w2, false, true)), v.bias) as tf.Tensor2D;
}

/** The trained values as the net the selector file stores (shape fields from `like`). */
export const netFromVars = (like: SelectorNet, v: SelectorVars): SelectorNet => ({
  ...like,
  alpha: v.alpha.dataSync() as Float32Array, bias: v.bias.dataSync() as Float32Array, b1: v.b1.dataSync() as Float32Array,
  w1: v.w1.dataSync() as Float32Array, w2: v.w2.dataSync() as Float32Array,
});
