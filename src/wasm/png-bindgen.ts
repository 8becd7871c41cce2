/**
 * @module PNG bindings: a minimal wasm-bindgen host for squoosh_png's decoder. jSquash's
 * generated glue keeps a single instance in module scope, so its heap (grown to the largest PNG
 * ever decoded) could never be released; binding the same imports ourselves lets each instance
 * be dropped like the Emscripten ones.
 */
import type { RgbaImage } from '../pipeline/image.ts';
import type { CodecInstance } from './codecs.ts';

interface PngExports {
  memory: WebAssembly.Memory;
  decode(ptr: number, len: number): number;
  __wbindgen_malloc(size: number, align: number): number;
  __wbindgen_free(ptr: number, size: number, align: number): void;
}

type Host = (...args: number[]) => unknown;

/** wasm-bindgen's object table: slots below 132 are its stack and the constants undefined, null, true, false. */
function objectTable() {
  const slots: unknown[] = [...Array<undefined>(128), undefined, null, true, false];
  return {
    add: (value: unknown): number => slots.push(value) - 1,
    get: (i: number): unknown => slots[i],
    take(i: number): unknown {
      const value = slots[i];
      if (i >= 132) slots[i] = undefined;
      return value;
    },
  };
}

// Import names carry a hash per wasm-bindgen build, so they are matched by prefix.
const hostImports = (table: ReturnType<typeof objectTable>, wasm: () => PngExports): [string, Host][] => {
  const bytes = (ptr: number, len: number): Uint8Array => new Uint8Array(wasm().memory.buffer, ptr >>> 0, len >>> 0);
  return [
    ['__wbindgen_memory', () => table.add(wasm().memory)],
    ['__wbg_buffer_', (i) => table.add((table.get(i) as WebAssembly.Memory).buffer)],
    ['__wbg_newwithbyteoffsetandlength_', (i, at, n) => table.add(new Uint16Array(table.get(i) as ArrayBuffer, at >>> 0, n >>> 0))],
    ['__wbindgen_object_drop_ref', (i) => void table.take(i)],
    ['__wbg_newwithownedu8clampedarrayandsh_', (ptr, len, width, height) => {
      const data = new Uint8ClampedArray(bytes(ptr, len)); // a copy: the instance is dropped later
      wasm().__wbindgen_free(ptr, len, 1);
      return table.add({ data, width: width >>> 0, height: height >>> 0 } satisfies RgbaImage);
    }],
    ['__wbindgen_throw', (ptr, len) => { throw new Error(`png decoder: ${new TextDecoder().decode(bytes(ptr, len))}`); }],
  ];
};

/**
 * A factory of fresh PNG decoder instances, or the name of the first import it cannot satisfy
 * (a different @jsquash/png build than the one these bindings were written against).
 */
export function pngBindings(module: WebAssembly.Module): (() => CodecInstance) | string {
  const prefixes = hostImports(objectTable(), () => { throw new Error('unreachable'); }).map(([prefix]) => prefix);
  const wanted = WebAssembly.Module.imports(module).map((imp) => ({
    name: imp.name,
    host: imp.module === 'wbg' ? prefixes.findIndex((p) => imp.name.startsWith(p)) : -1,
    where: `${imp.module}.${imp.name}`,
  }));
  const missing = wanted.find(({ host }) => host < 0);
  if (missing) return missing.where;
  return () => {
    const table = objectTable();
    let wasm: PngExports | undefined;
    const get = (): PngExports => wasm as PngExports;
    const host = hostImports(table, get);
    const wbg = Object.fromEntries(wanted.map(({ name, host: i }) => [name, (host[i] as [string, Host])[1]]));
    // The exports' shape is fixed by the wasm-bindgen build the imports were checked against above.
    wasm = new WebAssembly.Instance(module, { wbg }).exports as unknown as PngExports;
    return {
      decode(input) {
        const ex = get();
        const ptr = ex.__wbindgen_malloc(input.length, 1) >>> 0;
        new Uint8Array(ex.memory.buffer, ptr, input.length).set(input);
        return table.take(ex.decode(ptr, input.length)) as RgbaImage;
      },
      heapBytes: () => get().memory.buffer.byteLength,
    };
  };
}
