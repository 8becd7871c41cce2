/**
 * @module pinface and the peer on the same LFW dev pairs, in one Node process, pair by pair in turn: time per pair from
 * the two JPEG files to a decision, and verification accuracy. Thresholds are chosen the same
 * way for both (best accuracy on calibration pairs from folds 1-4) and applied to test pairs
 * from folds 5-8, so neither is tuned on the pairs it is scored on.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDecoders } from '../../src/wasm/codecs.ts';
import { nodeCodecModules } from '../../scripts/lib/node-codecs.ts';
import { accuracyAt, bestThreshold, readPairs, type Pair, type Scored } from '../../scripts/lib/pairs.ts';
import { localVerify } from '../../scripts/lib/local-app.ts';
import { median, quantile } from '../lib/workerd.ts';
import { loadHuman } from './human.ts';

export interface EngineResult {
  name: string;
  /** ms per pair, JPEG bytes to decision, median and p95 over every pair scored. */
  pairMs: { median: number; p95: number };
  threshold: number;
  /** Accuracy on the test pairs at the calibration threshold. */
  accuracy: number;
  /** Pairs where an image had no face found (scored as a non-match). */
  noFace: number;
  loadMs: number;
}
export interface PeerComparison { calibrationPairs: number; testPairs: number; engines: EngineResult[] }

/** `n` pairs from `folds`, half same-person, taken in file order from each fold. */
function pick(pairs: Pair[], folds: number[], n: number): Pair[] {
  const per = Math.max(1, Math.round(n / folds.length / 2));
  return folds.flatMap((f) => [true, false].flatMap((same) => pairs.filter((p) => p.fold === f && p.same === same).slice(0, per)));
}

interface Scorer { name: string; loadMs: number; score(a: Uint8Array<ArrayBuffer>, b: Uint8Array<ArrayBuffer>): Promise<number | undefined> }

async function pinfaceScorer(): Promise<Scorer> {
  const t0 = performance.now();
  const post = localVerify();
  const verify = (a: Uint8Array<ArrayBuffer>, b: Uint8Array<ArrayBuffer>) => post({ source: a, target: b, seed: '1' });
  const warm = new Uint8Array(readFileSync(new URL('../../test/fixtures/faces/person-a-1.jpg', import.meta.url)));
  await (await verify(warm, warm)).text(); // models load on first use, as in the service
  return {
    name: 'pinface (pin-threshold)', loadMs: performance.now() - t0,
    async score(a, b) {
      const res = await verify(a, b);
      const body = (await res.json()) as { similarity?: number; code?: string };
      if (res.status === 200) return body.similarity as number;
      if (body.code === 'no_face') return undefined;
      throw new Error(`[pinface] [bench] verify answered ${res.status} ${JSON.stringify(body)}`);
    },
  };
}

async function humanScorer(): Promise<Scorer> {
  const t0 = performance.now();
  const decoders = createDecoders(await nodeCodecModules());
  const peer = await loadHuman();
  return {
    name: `@vladmandic/human ${peer.version} (tfjs wasm)`, loadMs: performance.now() - t0,
    async score(a, b) {
      // The same JPEG decoder as pinface, so the comparison is of the face pipelines.
      const fa = await peer.describe(await decoders.jpeg(a));
      const fb = await peer.describe(await decoders.jpeg(b));
      return fa && fb ? peer.similarity(fa, fb) : undefined;
    },
  };
}

export async function comparePeer(dataDir: string, n: number, log: (s: string) => void): Promise<PeerComparison> {
  const pairs = readPairs(dataDir);
  const calibration = pick(pairs, [1, 2, 3, 4], Math.round(n / 3));
  const test = pick(pairs, [5, 6, 7, 8], n - Math.round(n / 3));
  const bytes = new Map<string, Uint8Array<ArrayBuffer>>();
  const read = (p: string) => bytes.get(p) ?? (bytes.set(p, new Uint8Array(readFileSync(join(dataDir, p)))).get(p) as Uint8Array<ArrayBuffer>);
  // Both engines score each pair in turn (the order alternating), so a stretch of the run where the
  // machine is slower (this VM's vCPUs have them: bench/lib/cpus.ts) falls on both alike.
  const scorers: Scorer[] = [];
  for (const make of [pinfaceScorer, humanScorer]) {
    const s = await make();
    log(`${s.name}: loaded in ${s.loadMs.toFixed(0)} ms`);
    scorers.push(s);
  }
  log(`scoring ${calibration.length} + ${test.length} pairs with both, alternating`);
  const times = scorers.map((): number[] => []);
  const noFace = scorers.map(() => 0);
  const scored = async (set: Pair[]): Promise<Scored[][]> => {
    const out = scorers.map((): Scored[] => []);
    for (const [k, p] of set.entries()) {
      const [a, b] = [read(p.a), read(p.b)];
      const order = k % 2 === 0 ? [0, 1] : [1, 0];
      for (const e of order) {
        const t = performance.now();
        const score = await (scorers[e] as Scorer).score(a, b);
        (times[e] as number[]).push(performance.now() - t);
        if (score === undefined) noFace[e] = (noFace[e] as number) + 1;
        (out[e] as Scored[]).push({ fold: p.fold, same: p.same, score: score ?? -1 });
      }
    }
    return out;
  };
  const calibrated = await scored(calibration);
  const tested = await scored(test);
  const engines: EngineResult[] = scorers.map((s, e) => {
    const threshold = bestThreshold(calibrated[e] as Scored[]);
    const accuracy = accuracyAt(tested[e] as Scored[], threshold);
    const t = times[e] as number[];
    log(`${s.name}: ${median(t).toFixed(1)} ms per pair, accuracy ${(100 * accuracy).toFixed(2)} % at ${threshold.toFixed(4)}, ${noFace[e]} pairs without a face`);
    return { name: s.name, pairMs: { median: median(t), p95: quantile(t, 0.95) }, threshold, accuracy, noFace: noFace[e] as number, loadMs: s.loadMs };
  });
  return { calibrationPairs: calibration.length, testPairs: test.length, engines };
}
