/**
 * @module The loopback load test: /v1/verify and subject verify at fixed request counts and
 * several concurrencies (127.0.0.1 only), workerd memory after each level, and a
 * concurrent enrol + verify round that must lose no template. The server is workerd (wrangler dev)
 * or Deno; memory is read from its largest process.
 */
import { request } from 'node:http';
import { quantile, workerdMemory } from '../../bench/lib/workerd.ts';

export interface LoadOptions {
  /** http://127.0.0.1:port of a server in open mode (no keys, no rate limit: this measures the service, not the limiter). */
  url: string;
  /** The server's root process, and the name of the process whose memory counts (workerd under wrangler dev, deno). */
  pid: number;
  command: 'workerd' | 'deno';
  faces: { a1: Uint8Array<ArrayBuffer>; a2: Uint8Array<ArrayBuffer> };
  requests: number;
  concurrencies: number[];
  /** Enrolments racing as many verifications in the integrity round. */
  enrolments: number;
}

export interface LoadLevel {
  endpoint: string; concurrency: number; requests: number; ok: number; errors: number;
  /** The first few failures, status and text, so a failed run says what went wrong. */
  failures: string[];
  /** Latency of the successful requests, ms. */
  p50: number; p99: number; rps: number; rssMb: number;
}
export interface LoadReport {
  levels: LoadLevel[];
  peakRssMb: number;
  integrity: { enrolled: number; verified: number; templatesBefore: number; templatesAfter: number; missing: string[]; errors: string[] };
}

// biome-ignore lint/suspicious/noExplicitAny: responses are read field by field
type Json = Record<string, any>;

/** A multipart body: byte parts as files, string parts as fields (options). */
export const multipart = async (parts: Record<string, Uint8Array<ArrayBuffer> | string>): Promise<{ body: Uint8Array<ArrayBuffer>; type: string }> => {
  const f = new FormData();
  for (const [k, v] of Object.entries(parts)) {
    if (typeof v === 'string') f.append(k, v);
    else f.append(k, new Blob([v]), `${k}.jpg`);
  }
  const req = new Request('http://127.0.0.1/', { method: 'POST', body: f });
  return { body: new Uint8Array(await req.arrayBuffer()), type: req.headers.get('content-type') as string };
};

/**
 * One request on its own connection (no keep-alive pool): under load, undici reused a connection
 * workerd had already closed and failed with "other side closed" before the request was sent,
 * which would count a client pool race as a service error.
 */
export function send(url: string, method: string, body?: Uint8Array, type?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false, timeout: 120_000, headers: type ? { 'content-type': type } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out after 120 s')));
    req.on('error', reject);
    req.end(body);
  });
}

/** A request whose answer is read as JSON; one that is not JSON (a runtime's own error page) comes back with status and text, not as a throw. */
async function sendJson(url: string, method = 'GET', body?: { body: Uint8Array; type: string }): Promise<{ status: number; body: Json; text: string }> {
  const { status, text } = await send(url, method, body?.body, body?.type);
  try {
    return { status, body: JSON.parse(text) as Json, text };
  } catch {
    return { status, body: {}, text };
  }
}
const postForm = async (url: string, parts: Record<string, Uint8Array<ArrayBuffer>>) => sendJson(url, 'POST', await multipart(parts));

/**
 * A closed loop of `concurrency` clients sending `requests` POSTs in all. Our own loop rather than
 * autocannon: against workerd, autocannon's `amount` finished with 29 of 32 requests counted and
 * no error reported, so a lost request could not be told from a miscount.
 */
export async function closedLoop(url: string, form: { body: Uint8Array<ArrayBuffer>; type: string }, concurrency: number, requests: number) {
  const latencies: number[] = [];
  const failures: string[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < requests) {
      next++;
      const t = performance.now();
      try {
        const res = await send(url, 'POST', form.body, form.type);
        if (res.status >= 200 && res.status < 300) latencies.push(performance.now() - t);
        else failures.push(`${res.status} ${res.text.slice(0, 120)}`);
      } catch (e) {
        failures.push(String(e));
      }
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  return { ok: latencies.length, failures, latencies, rps: Math.round((latencies.length / seconds) * 10) / 10 };
}

export async function runLoad(o: LoadOptions, log: (m: string) => void = () => {}): Promise<LoadReport> {
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(o.url)) throw new Error(`[pinface] [load] loopback only, got ${o.url}`);
  const created = await sendJson(`${o.url}/v1/subjects`, 'POST', { body: new TextEncoder().encode(JSON.stringify({ label: 'load' })), type: 'application/json' });
  const subject = created.body.id as string;
  const enrolled = await postForm(`${o.url}/v1/subjects/${subject}/faces`, { image: o.faces.a1 });
  if (enrolled.status !== 201) throw new Error(`[pinface] [load] enrolment failed: ${enrolled.status} ${JSON.stringify(enrolled.body)}`);

  const endpoints = [
    { name: '/v1/verify', path: '/v1/verify', form: await multipart({ source: o.faces.a1, target: o.faces.a2 }) },
    { name: 'subject verify', path: `/v1/subjects/${subject}/verify`, form: await multipart({ image: o.faces.a2 }) },
  ];
  const levels: LoadLevel[] = [];
  let peak = 0;
  for (const e of endpoints) {
    for (const c of o.concurrencies) {
      log(`${e.name} at concurrency ${c}, ${o.requests} requests`);
      const r = await closedLoop(`${o.url}${e.path}`, e.form, c, o.requests);
      const mem = workerdMemory(o.pid, undefined, o.command);
      peak = Math.max(peak, mem.hwmMb);
      levels.push({
        endpoint: e.name, concurrency: c, requests: o.requests, ok: r.ok, errors: r.failures.length, failures: r.failures.slice(0, 5),
        p50: Math.round(quantile(r.latencies, 0.5)), p99: Math.round(quantile(r.latencies, 0.99)), rps: r.rps, rssMb: mem.rssMb,
      });
    }
  }

  log(`integrity: ${o.enrolments} enrolments racing ${o.enrolments} verifications`);
  const before = (await sendJson(`${o.url}/v1/subjects/${subject}`)).body.faces.length as number;
  const results = await Promise.all(Array.from({ length: 2 * o.enrolments }, (_, i) => (i % 2 === 0
    ? postForm(`${o.url}/v1/subjects/${subject}/faces`, { image: i % 4 === 0 ? o.faces.a1 : o.faces.a2 })
    : postForm(`${o.url}/v1/subjects/${subject}/verify`, { image: o.faces.a2 }))));
  const ids = results.filter((r, i) => i % 2 === 0 && r.status === 201).map((r) => r.body.template.id as string);
  const verified = results.filter((r, i) => i % 2 === 1 && r.status === 200).length;
  const errors = results.filter((r, i) => r.status !== (i % 2 === 0 ? 201 : 200)).map((r) => `${r.status} ${r.text.slice(0, 120)}`);
  const after = (await sendJson(`${o.url}/v1/subjects/${subject}`)).body.faces as Json[];
  const stored = new Set(after.map((f) => f.id as string));
  return {
    levels, peakRssMb: Math.max(peak, workerdMemory(o.pid, undefined, o.command).hwmMb),
    integrity: { enrolled: ids.length, verified, templatesBefore: before, templatesAfter: after.length, missing: ids.filter((id) => !stored.has(id)), errors },
  };
}
