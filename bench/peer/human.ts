/**
 * @module The peer: @vladmandic/human 3.3.6 with TensorFlow.js's wasm backend in Node (one thread,
 * SIMD) and its own shipped face models (BlazeFace, FaceMesh, FaceRes), doing the same pair
 * verification on the same decoded pixels as pinface. Models are read from the npm package on
 * disk: human fetches them by URL, so `file://` URLs are answered from disk here (never the
 * network).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config, Human } from '@vladmandic/human';
import type { RgbaImage } from '../../src/pipeline/image.ts';

const require = createRequire(import.meta.url);
// The package's exports map spells its subpaths without "./", so Node cannot resolve them: the
// node-wasm build is loaded by path, next to the main entry; the models sit beside dist/.
const humanDist = dirname(require.resolve('@vladmandic/human'));
const humanDir = dirname(humanDist);
const wasmDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');

const config: Partial<Config> = {
  backend: 'wasm', wasmPath: `${wasmDir}/`, modelBasePath: `file://${join(humanDir, 'models')}/`,
  debug: false, async: false, cacheModels: false, filter: { enabled: false } as Config['filter'],
  // Face matching needs the detector, the mesh (human crops and rotates the face from it) and the
  // descriptor; the rest of its face pipeline (iris, emotion, anti-spoofing, liveness) is off.
  face: {
    enabled: true, detector: { maxDetected: 1, rotation: true }, mesh: { enabled: true }, iris: { enabled: false },
    description: { enabled: true }, emotion: { enabled: false }, antispoof: { enabled: false }, liveness: { enabled: false },
    attention: { enabled: false }, gear: { enabled: false },
  } as Config['face'],
  body: { enabled: false } as Config['body'], hand: { enabled: false } as Config['hand'],
  object: { enabled: false } as Config['object'], gesture: { enabled: false }, segmentation: { enabled: false } as Config['segmentation'],
};

/** Answers file:// URLs from disk, everything else as before (human loads models with fetch). */
function fileFetch(): void {
  const real = globalThis.fetch;
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith('file://')) return real(input, init);
    return new Response(readFileSync(fileURLToPath(url)));
  }) as typeof fetch;
}

export interface PeerFace { embedding: number[]; score: number }

export interface Peer {
  version: string;
  /** The first face's embedding, or undefined when human finds none. */
  describe(rgba: RgbaImage): Promise<PeerFace | undefined>;
  similarity(a: PeerFace, b: PeerFace): number;
}

export async function loadHuman(): Promise<Peer> {
  fileFetch();
  // human's node-wasm build is CommonJS and wants tfjs-backend-wasm registered beside it.
  const { Human: HumanClass } = require(join(humanDist, 'human.node-wasm.js')) as { Human: new (c: Partial<Config>) => Human };
  const human = new HumanClass(config);
  await human.init();
  await human.load();
  await human.warmup();
  const tf = human.tf as typeof import('@tensorflow/tfjs');
  return {
    version: human.version,
    async describe({ data, width, height }) {
      const rgb = new Uint8Array(width * height * 3);
      for (let i = 0, j = 0; i < data.length; i += 4, j += 3) { rgb[j] = data[i] as number; rgb[j + 1] = data[i + 1] as number; rgb[j + 2] = data[i + 2] as number; }
      const t = tf.tensor4d(rgb, [1, height, width, 3], 'int32');
      try {
        const r = await human.detect(t as unknown as Parameters<Human['detect']>[0]);
        const f = r.face[0];
        return f?.embedding?.length ? { embedding: f.embedding, score: f.score } : undefined;
      } finally {
        t.dispose();
      }
    },
    similarity: (a, b) => human.match.similarity(a.embedding, b.embedding),
  };
}
