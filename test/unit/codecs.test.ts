import { beforeAll, describe, expect, it } from 'vitest';
import { PinfaceError } from '../../src/errors.ts';
import { WARM_HEAP_BYTES, codecInstances, createDecoders, warmDecoder, type CodecInstance, type CodecModules } from '../../src/wasm/codecs.ts';
import { quadrants } from '../helpers/images.ts';
import { loadCodecModules, loadEncoders, type Encoders } from '../helpers/wasm.ts';

let modules: CodecModules;
let enc: Encoders;
beforeAll(async () => {
  modules = await loadCodecModules();
  enc = await loadEncoders();
});

const fake = (behaviour: { heap?: number; fail?: boolean }) => ({
  decode() {
    if (behaviour.fail) throw new WebAssembly.RuntimeError('unreachable');
    return { width: 1, height: 1, data: new Uint8ClampedArray(4) };
  },
  heapBytes: () => behaviour.heap ?? 0,
}) satisfies CodecInstance;

const bytes = new Uint8Array(1);

describe('warmDecoder', () => {
  it('reuses one instance, and replaces it after a trap', async () => {
    const made: { fail?: boolean }[] = [];
    const decode = warmDecoder(async () => { const b = {}; made.push(b); return fake(b); });
    await decode(bytes);
    await decode(bytes);
    expect(made).toHaveLength(1);
    (made[0] as { fail?: boolean }).fail = true;
    await expect(decode(bytes)).rejects.toThrow(WebAssembly.RuntimeError);
    await decode(bytes);
    expect(made).toHaveLength(2);
  });

  it('drops an instance whose heap grew past the limit', async () => {
    let made = 0;
    const heaps = [10, 100, 10];
    const decode = warmDecoder(async () => fake({ heap: heaps[made++] }), 50);
    await decode(bytes); // heap 10: kept
    await decode(bytes); // same instance
    expect(made).toBe(1);
    const big = warmDecoder(async () => fake({ heap: heaps[made++] }), 50);
    await big(bytes); // heap 100: dropped after use
    await big(bytes);
    expect(made).toBe(3);
  });

  it('does not cache a failed instantiation', async () => {
    let calls = 0;
    const decode = warmDecoder(async () => {
      calls++;
      if (calls === 1) throw new Error('boom');
      return fake({});
    });
    await expect(decode(bytes)).rejects.toMatchObject({ code: 'internal', cause: new Error('boom') });
    await expect(decode(bytes)).resolves.toMatchObject({ width: 1 });
  });

  it('concurrent decodes share the warm instance', async () => {
    let made = 0;
    const decode = warmDecoder(async () => { made++; return fake({}); });
    await Promise.all([decode(bytes), decode(bytes), decode(bytes)]);
    expect(made).toBe(1);
  });
});

describe('codec instances', () => {
  it('return pixels in their own buffers, so a dropped instance frees its heap', async () => {
    const make = codecInstances(modules);
    const img = quadrants(32, 32);
    const files = { jpeg: await enc.jpeg(img), png: await enc.png(img), webp: await enc.webp(img) };
    for (const format of ['jpeg', 'png', 'webp'] as const) {
      const out = (await make[format]()).decode(files[format]);
      expect(out.width, format).toBe(32);
      expect(out.data.byteOffset, format).toBe(0);
      expect(out.data.buffer.byteLength, format).toBe(32 * 32 * 4);
    }
  });

  it('a 640x480 JPEG leaves the heap within the warm limit; a progressive 2000x1500 one does not', async () => {
    const small = await codecInstances(modules).jpeg();
    small.decode(await enc.jpeg(quadrants(640, 480), { progressive: true }));
    expect(small.heapBytes()).toBeLessThanOrEqual(WARM_HEAP_BYTES);
    const large = await codecInstances(modules).jpeg();
    large.decode(await enc.jpeg(quadrants(2000, 1500), { progressive: true }));
    expect(large.heapBytes()).toBeGreaterThan(WARM_HEAP_BYTES);
  });

  it('a warm JPEG decoder replaces its instance after a decode that grew the heap', async () => {
    const make = codecInstances(modules);
    let made = 0;
    const decode = warmDecoder(async () => { made++; return make.jpeg(); });
    const small = await enc.jpeg(quadrants(64, 48));
    await decode(small);
    await decode(small);
    expect(made).toBe(1);
    await decode(await enc.jpeg(quadrants(2000, 1500), { progressive: true }));
    await decode(small);
    expect(made).toBe(2);
  });

  it('refuses a png module whose imports the bindings do not know', () => {
    // (module (import "wbg" "x" (func)))
    const wasm = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 2, 9, 1, 3, 0x77, 0x62, 0x67, 1, 0x78, 0, 0]);
    const png = new WebAssembly.Module(wasm);
    expect(() => createDecoders({ ...modules, png })).toThrow(PinfaceError);
  });
});
