/**
 * @module Engine: the loaded pipeline (decoders, the networks, the immune-space projector)
 * behind one memoized promise per app; what an isolate loads from a file's bytes is shared.
 */
import type { PinfaceConfig } from './config.ts';
import { loadSpace, projectorOn, type Projector } from './immune/project.ts';
import type { DefenseMode } from './immune/selectors.ts';
import { parseSpace } from './immune/space-file.ts';
import { parseSelector } from './immune/selector-file.ts';
import { releaseBuffer } from './pipeline/image.ts';
import type { FaceModels, ModelRunner } from './pipeline/model.ts';
import type { AssetsInput } from './runtime/assets.ts';
import { createDecoders, type ImageDecoders } from './wasm/codecs.ts';
import { initKernel } from './wasm/kernel.ts';
import { createRunner } from './wasm/onnx.ts';

export interface Engine {
  decoders: ImageDecoders;
  models: Pick<FaceModels, 'detect' | 'landmark'>;
  /** The recognizer a defense mode's embeddings come from (modelIds.recognizerFor names it). */
  recognizer(mode: DefenseMode): Promise<ModelRunner>;
  project: Projector;
}

/**
 * What this isolate loaded from a file's bytes (a network into onnxruntime, the space into a
 * kernel), by the bytes' ArrayBuffer: apps built from the same files share one loaded copy, an
 * app given other files gets its own. With `release`, the bytes are detached once loaded (a
 * zero-length transfer frees them), so the file is held once, in wasm memory.
 */
const loadedFrom = new WeakMap<ArrayBufferLike, Promise<unknown>>();
function loadOnce<T>(bytes: Uint8Array, load: () => T | Promise<T>, release: boolean): Promise<T> {
  const key = bytes.buffer;
  const known = loadedFrom.get(key) as Promise<T> | undefined;
  if (known) return known;
  const loading = (async () => {
    const value = await load();
    if (release) releaseBuffer(bytes);
    return value;
  })();
  loadedFrom.set(key, loading);
  loading.catch(() => loadedFrom.delete(key));
  return loading;
}

/**
 * The isolate's first engine start-up by part, in ms (GET /v1/info): what a cold first request pays
 * before its stages, by the isolate's clock (which Workers may coarsen). `runtimeAndDetector` includes
 * the first session: onnxruntime has no separate start. Later apps of the same isolate reuse what was loaded, so only the first counts.
 */
export interface EngineStartup { runtimeAndDetector: number; landmark: number; recognizer: number; space: number; total: number }
let firstStartup: EngineStartup | undefined;
export const engineStartup = (): EngineStartup | undefined => firstStartup;

export function engineLoader(assets: AssetsInput, config: PinfaceConfig): () => Promise<Engine> {
  let loading: Promise<Engine> | undefined;
  return () => {
    loading ??= (async () => {
      const a = typeof assets === 'function' ? await assets() : assets;
      const release = a.releaseAfterLoad === true;
      const runner = (bytes: Uint8Array): Promise<ModelRunner> => loadOnce(bytes, () => createRunner(bytes, { wasm: a.ortWasm }), release);
      let t = performance.now();
      const lap = (): number => { const t1 = performance.now(); const d = t1 - t; t = t1; return d; };
      const t0 = t;
      const detect = await runner(a.models.detect);
      const runtimeAndDetector = lap();
      const landmark = await runner(a.models.landmark);
      const landmarkMs = lap();
      // The default mode projects, so the projection-aware recognizer loads at start; the shipped one
      // (defense none) only when a request first asks for it, which keeps its memory out of most isolates.
      const { feature, featurePin } = a.models;
      const recognizer = (mode: DefenseMode): Promise<ModelRunner> => runner(mode === 'none' || !featurePin ? feature : featurePin);
      await recognizer(config.defense.mode);
      const recognizerMs = lap();
      const space = await loadOnce(a.space, () => loadSpace(initKernel(a.kernel), parseSpace(a.space)), release);
      firstStartup ??= { runtimeAndDetector, landmark: landmarkMs, recognizer: recognizerMs, space: lap(), total: t - t0 };
      const project = projectorOn(space, config.defense, a.selector ? parseSelector(a.selector) : undefined);
      return { decoders: createDecoders(a.codecs), models: { detect, landmark }, recognizer, project };
    })().catch((e: unknown) => {
      loading = undefined; // a failed start-up is retried by the next request, not cached forever
      throw e;
    });
    return loading;
  };
}

