/**
 * @module The onnxruntime-node session options of every attack-lab, calibration and training
 * session: one place to set them, as transformers.js keeps one `env`.
 *
 * Graph optimisation stops at 'extended' by default. 'all' adds the NCHWc layout transform, and on
 * a 2-core AVX-512 Xeon this project ran on (2026-12-04) it made the recognizer 3x slower (57.2 vs
 * 19.0 ms per face, 1 thread) and its VJP 1.8x slower (85.2 vs 47.1 ms per face), as measured by
 * `npm run bench:ort-options` and set PINFACE_ORT_OPTIMIZATION=all where the layout pass pays.
 * Either level computes the same functions; only float rounding differs.
 */
import type { InferenceSession } from 'onnxruntime-node';

export type OptimizationLevel = NonNullable<InferenceSession.SessionOptions['graphOptimizationLevel']>;
const LEVELS: readonly OptimizationLevel[] = ['disabled', 'basic', 'extended', 'all'];

export function optimizationLevel(value = process.env.PINFACE_ORT_OPTIMIZATION): OptimizationLevel {
  if (value === undefined || value === '') return 'extended';
  if (!(LEVELS as readonly string[]).includes(value)) throw new Error(`[pinface] [ort] PINFACE_ORT_OPTIMIZATION must be one of ${LEVELS.join(', ')}, got ${value}`);
  return value as OptimizationLevel;
}

/** Options for a session on `threads` intra-op threads (one inter-op thread: the graphs are sequential). */
export const sessionOptions = (threads: number, level = optimizationLevel()): InferenceSession.SessionOptions =>
  ({ intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: level });
