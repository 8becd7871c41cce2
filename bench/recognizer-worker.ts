/**
 * A bench-only Worker (wrangler dev bench/recognizer-worker.ts): the service's recognizer through the
 * same onnxruntime-web runner the service uses, run `n` times on one fixed aligned input per
 * request. It answers the isolate's own clock per run; the bench also times requests from outside,
 * where the clock cannot be coarsened or frozen (bench/recognizer-clock.ts).
 */
import { workersAssets } from '../src/runtime/workers-assets.ts';
import { createRunner } from '../src/wasm/onnx.ts';
import type { ModelRunner } from '../src/pipeline/model.ts';

const runners = new Map<string, Promise<ModelRunner>>();
let detector: Promise<ModelRunner> | undefined;
const input = Float32Array.from({ length: 3 * 112 * 112 }, (_, i) => Math.sin(i * 0.37) * 0.8);
const frame = Float32Array.from({ length: 3 * 240 * 320 }, (_, i) => Math.cos(i * 0.11) * 0.5);

export default {
  async fetch(request: Request): Promise<Response> {
    const n = Number(new URL(request.url).searchParams.get('n') ?? '1');
    // model=feature: the shipped original recognizer (defense none); default the projection-aware one.
    const model = new URL(request.url).searchParams.get('model') === 'feature' ? 'feature' : 'featurePin';
    if (!runners.has(model)) runners.set(model, createRunner(workersAssets.models[model] as Uint8Array, { wasm: workersAssets.ortWasm }));
    const r = await (runners.get(model) as Promise<ModelRunner>);
    // with=detect: a detector run before each recognizer run, as in the service's pipeline.
    const withDetect = new URL(request.url).searchParams.get('with') === 'detect';
    if (withDetect) detector ??= createRunner(workersAssets.models.detect as Uint8Array, { wasm: workersAssets.ortWasm });
    const d = withDetect ? await detector : undefined;
    const each: number[] = [];
    for (let i = 0; i < n; i++) {
      if (d) await d.run({ data: frame, dims: [1, 3, 240, 320] });
      const t = performance.now();
      await r.run({ data: input, dims: [1, 3, 112, 112] });
      each.push(performance.now() - t);
    }
    return Response.json({ n, each });
  },
};
