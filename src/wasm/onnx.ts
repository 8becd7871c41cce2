/**
 * @module ONNX boundary: the only file that touches onnxruntime-web. Loads the runtime from a
 * compiled WebAssembly.Module handed in by the caller, because workerd forbids compiling wasm
 * from bytes; the same path serves Deno and Node so every runtime runs the same code.
 */
import * as ort from 'onnxruntime-web/wasm';
import type { ModelRunner } from '../pipeline/model.ts';

type InstantiateWasm = (
  imports: WebAssembly.Imports,
  done: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
) => WebAssembly.Exports;

let runtimeReady: Promise<void> | undefined;
let heap: WebAssembly.Memory | undefined;

/** Size of onnxruntime's wasm linear memory (weights, arenas, tensors): the bulk of the isolate's memory. */
export const onnxHeapBytes = (): number => heap?.buffer.byteLength ?? 0;

const findMemory = (...spaces: object[]): WebAssembly.Memory | undefined => {
  for (const space of spaces) {
    for (const v of Object.values(space)) {
      if (v instanceof WebAssembly.Memory) return v;
      if (v && typeof v === 'object' && !(v instanceof WebAssembly.Memory)) {
        const inner = Object.values(v as object).find((x) => x instanceof WebAssembly.Memory);
        if (inner) return inner as WebAssembly.Memory;
      }
    }
  }
  return undefined;
};
let chain: Promise<unknown> = Promise.resolve();

/**
 * ORT builds Emscripten's module options itself ({ numThreads, locateFile }) and exposes no hook
 * to add `instantiateWasm`, the Emscripten option that accepts a precompiled module. So, only
 * while ORT initialises, a getter on Object.prototype answers `instantiateWasm` for that one
 * options object (recognised by its own `numThreads` key) and for nothing else; it is removed
 * as soon as initialisation settles. test/workerd covers it, so an ORT upgrade that changes
 * the options object fails loudly there.
 */
async function withInstantiateHook<T>(module: WebAssembly.Module, init: () => Promise<T>): Promise<T> {
  const hook: InstantiateWasm = (imports, done) => {
    const instance = new WebAssembly.Instance(module, imports);
    heap = findMemory(instance.exports, imports);
    done(instance, module);
    return instance.exports;
  };
  Object.defineProperty(Object.prototype, 'instantiateWasm', {
    configurable: true,
    get(this: object) {
      return Object.hasOwn(this, 'numThreads') ? hook : undefined;
    },
  });
  try {
    return await init();
  } finally {
    delete (Object.prototype as { instantiateWasm?: unknown }).instantiateWasm;
  }
}

export interface OnnxRuntimeOptions {
  /** onnxruntime-web's `ort-wasm-simd-threaded.wasm`, compiled by the caller. */
  wasm: WebAssembly.Module;
}

/** Creates one inference session; the first call also brings up the wasm runtime (once per isolate). */
export async function createRunner(model: Uint8Array, { wasm }: OnnxRuntimeOptions): Promise<ModelRunner> {
  const create = () => ort.InferenceSession.create(model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  let session: ort.InferenceSession;
  if (!runtimeReady) {
    ort.env.wasm.numThreads = 1; // workerd has no threads; one thread is also the honest edge figure
    ort.env.wasm.proxy = false;
    // A wasm path and no mjs path: ORT must not dynamic-import its glue (the bundle has it inline).
    ort.env.wasm.wasmPaths = { wasm: 'ort-wasm-simd-threaded.wasm' };
    const first = withInstantiateHook(wasm, create);
    runtimeReady = first.then(() => undefined, (e: unknown) => { runtimeReady = undefined; throw e; });
    session = await first;
  } else {
    await runtimeReady;
    session = await create();
  }
  const inputName = session.inputNames[0] as string;
  return {
    run({ data, dims }) {
      // One wasm instance, one thread: runs are queued rather than interleaved.
      const next = chain.then(async () => {
        const out = await session.run({ [inputName]: new ort.Tensor('float32', data, dims) });
        const res: Record<string, Float32Array> = {};
        for (const [name, t] of Object.entries(out)) res[name] = t.data as Float32Array;
        return res;
      });
      chain = next.catch(() => undefined);
      return next;
    },
  };
}
