/**
 * @module The HTTP mutation fuzzer: malformed JPEG/PNG/WebP bodies through /v1/embed and
 * /v1/verify (multipart and JSON). Every answer must be a 200 with a valid result or a 4xx
 * problem+json with a known code; a 5xx, a non-problem 4xx, or a dropped connection is a failure.
 */
import { uniform } from '../../src/immune/rng.ts';
import { mutate } from './mutate.ts';
import { sha256Hex } from './hash.ts';

export interface FuzzOptions {
  url: string;
  seeds: readonly Uint8Array[];
  /** An image the verify requests pair the mutated one with. */
  partner: Uint8Array<ArrayBuffer>;
  count: number;
  seed: number;
  concurrency: number;
  /** Stop early (and say so) after this long. */
  maxSeconds: number;
  onProgress?: (done: number) => void;
}

export interface FuzzFailure { index: number; sha256: string; applied: string[]; endpoint: string; status: number | null; detail: string; bytes: Uint8Array }

export interface FuzzReport {
  sent: number;
  seconds: number;
  byOutcome: Record<string, number>;
  failures: FuzzFailure[];
  latencyMs: { p50: number; p99: number; max: number };
  /** The slowest answers, to replay (a slow decode is a denial-of-service lead even when the answer is right). */
  slowest: { ms: number; index: number; sha256: string; endpoint: string; status: number | null; applied: string[]; bytes: Uint8Array }[];
  healthyAfter: boolean;
}

const KNOWN_CODES = new Set(['unsupported_media_type', 'payload_too_large', 'too_many_pixels', 'corrupt_image', 'no_face', 'multiple_faces', 'invalid_parameters']);
const quantile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? 0;

// biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field below
type Json = Record<string, any>;

/** Why an answer breaks the contract, or null when it keeps it. */
function violation(status: number, type: string, body: Json | null, endpoint: string): string | null {
  if (body === null) return 'the body is not JSON';
  if (status === 200) {
    if (endpoint.includes('embed')) {
      const e = body.embedding as unknown;
      return Array.isArray(e) && e.length === 512 && e.every(Number.isFinite) ? null : 'a 200 without a finite 512-d embedding';
    }
    return typeof body.match === 'boolean' && Number.isFinite(body.similarity) ? null : 'a 200 without a decision';
  }
  if (status < 400 || status >= 500) return `status ${status}`;
  if (!type.includes('application/problem+json')) return `a ${status} that is not problem+json`;
  if (!KNOWN_CODES.has(body.code) || body.status !== status) return `an unexpected problem ${status} ${String(body.code)}`;
  return null;
}

export async function fuzzHttp(o: FuzzOptions): Promise<FuzzReport> {
  const rnd = uniform(o.seed);
  const byOutcome: Record<string, number> = {};
  const failures: FuzzFailure[] = [];
  const latencies: number[] = [];
  const slowest: FuzzReport['slowest'] = [];
  const t0 = performance.now();
  let next = 0;
  let done = 0;
  const one = async (index: number): Promise<void> => {
    const { bytes, applied } = mutate(o.seeds, rnd);
    const pick = rnd();
    const endpoint = pick < 0.7 ? 'embed multipart' : pick < 0.85 ? 'verify multipart' : 'embed json';
    let init: RequestInit;
    if (endpoint === 'embed json') {
      init = { method: 'POST', body: JSON.stringify({ image: Buffer.from(bytes).toString('base64') }), headers: { 'content-type': 'application/json' } };
    } else {
      const f = new FormData();
      if (endpoint === 'embed multipart') f.append('image', new Blob([bytes]), 'x.bin');
      else { f.append('source', new Blob([bytes]), 'x.bin'); f.append('target', new Blob([o.partner]), 'y.jpg'); }
      init = { method: 'POST', body: f };
    }
    const started = performance.now();
    let status: number | null = null;
    let detail: string | null;
    try {
      const res = await fetch(`${o.url}/v1/${endpoint.split(' ')[0]}`, init);
      status = res.status;
      const text = await res.text();
      let body: Json | null = null;
      try { body = JSON.parse(text) as Json; } catch { /* reported as a violation */ }
      detail = violation(res.status, res.headers.get('content-type') ?? '', body, endpoint);
      const key = res.status === 200 ? '200' : `${res.status} ${String(body?.code)}`;
      byOutcome[key] = (byOutcome[key] ?? 0) + 1;
    } catch (e) {
      detail = `no answer: ${e instanceof Error ? e.message : String(e)}`;
    }
    const ms = performance.now() - started;
    latencies.push(ms);
    if (slowest.length < 3 || ms > (slowest.at(-1)?.ms ?? 0)) {
      slowest.push({ ms, index, sha256: sha256Hex(bytes), endpoint, status, applied, bytes });
      slowest.sort((a, b) => b.ms - a.ms).splice(3);
    }
    if (detail !== null) failures.push({ index, sha256: sha256Hex(bytes), applied, endpoint, status, detail, bytes });
    done++; // not inside ?.(): its arguments are skipped when there is no callback
    o.onProgress?.(done);
  };
  // Mutations are drawn in request order from one stream, so a run is reproducible from its seed.
  const worker = async (): Promise<void> => {
    while (next < o.count && (performance.now() - t0) / 1000 < o.maxSeconds) await one(next++);
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  let healthyAfter = false;
  try { healthyAfter = (await fetch(`${o.url}/v1/health`)).ok; } catch { /* reported */ }
  return {
    sent: done, seconds: (performance.now() - t0) / 1000, byOutcome, failures, healthyAfter, slowest,
    latencyMs: { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: Math.max(0, ...latencies) },
  };
}
