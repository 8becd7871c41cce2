import { describe, expect, it } from 'vitest';
import { analyzeImage } from '../../src/analyze.ts';
import { resolveConfig } from '../../src/config.ts';
import type { Engine } from '../../src/engine.ts';
import type { Projector } from '../../src/immune/project.ts';
import { releaseBuffer, type RgbaImage } from '../../src/pipeline/image.ts';
import type { ImageDecoders } from '../../src/wasm/codecs.ts';
import { loadEncoders } from '../helpers/wasm.ts';

// ArrayBuffer.prototype.transfer: workerd, Deno, Node >= 21; under Node 20 releasing is a no-op (npm run test:other-nodes runs these).
const canTransfer = typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer === 'function';

describe.skipIf(!canTransfer)('releaseBuffer', () => {
  it('detaches a view over a whole buffer at once', () => {
    const pixels = new Uint8ClampedArray(1024);
    releaseBuffer(pixels);
    expect(pixels.buffer.byteLength).toBe(0);
    releaseBuffer(pixels); // twice is harmless
  });

  it('leaves a view that shares its buffer, and wasm memory, as they were', () => {
    const whole = new Float32Array(64);
    releaseBuffer(whole.subarray(8));
    expect(whole.buffer.byteLength).toBe(256);
    const memory = new WebAssembly.Memory({ initial: 1 });
    releaseBuffer(new Uint8Array(memory.buffer));
    expect(memory.buffer.byteLength).toBe(65536);
  });
});

describe.skipIf(!canTransfer)('analyzeImage', () => {
  it('frees the decoded pixels as soon as the face is aligned, and when the request fails', async () => {
    const png = await (await loadEncoders()).png({ width: 112, height: 112, data: new Uint8ClampedArray(112 * 112 * 4).fill(128) });
    const decoded: RgbaImage[] = [];
    const decode = async (): Promise<RgbaImage> => {
      const image = { width: 112, height: 112, data: new Uint8ClampedArray(112 * 112 * 4).fill(90) };
      decoded.push(image);
      return image;
    };
    const unused = async (): Promise<never> => { throw new Error('not this format'); };
    const project: Projector = (input) => ({ input, report: { mode: 'none', components: 0, componentsKept: 0, seed: null, projectMs: 0 } });
    let recognizerFails = false;
    const recognizer = { run: async () => { if (recognizerFails) throw new Error('recognizer down'); return { output: new Float32Array(512).fill(0.5) }; } };
    const engine: Engine = {
      decoders: { jpeg: unused, png: decode, webp: unused } as unknown as ImageDecoders,
      models: { detect: recognizer, landmark: recognizer },
      recognizer: async () => recognizer,
      project,
    };
    const analyze = () => analyzeImage(engine, png, 'image', { faces: 'largest', aligned: true, crops: false, quality: 'none' }, { mode: 'none', deterministic: true }, resolveConfig());
    const result = await analyze();
    expect(result.face.embedding).toHaveLength(512);
    expect(decoded[0]?.data.buffer.byteLength).toBe(0);
    recognizerFails = true;
    await expect(analyze()).rejects.toThrow('recognizer down');
    expect(decoded[1]?.data.buffer.byteLength).toBe(0);
  });
});
