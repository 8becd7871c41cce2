/**
 * @module The loopback load test: /v1/verify and subject verify at fixed request counts and
 * several concurrencies (autocannon, 127.0.0.1 only), workerd memory after each level, and a
 * concurrent enrol + verify round that must lose no template. The server is workerd (wrangler dev)
 * or Deno; memory is read from its largest process.
 */
import autocannon from 'autocannon';
import { workerdMemory } from '../../bench/lib/workerd.ts';

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

export interface LoadLevel { endpoint: string; concurrency: number; requests: number; ok: number; errors: number; p50: number; p99: number; rps: number; rssMb: number }
export interface LoadReport {
  levels: LoadLevel[];
  peakRssMb: number;
  integrity: { enrolled: number; verified: number; templatesBefore: number; templatesAfter: number; missing: string[]; errors: string[] };
}

type Json = Record<string, any>; // any: responses are read field by field

const multipart = async (parts: Record<string, Uint8Array<ArrayBuffer>>): Promise<{ body: Buffer; type: string }> => {
  const f = new FormData();
  for (const [k, v] of Object.entries(parts)) f.append(k, new Blob([v]), `${k}.jpg`);
  const req = new Request('http://127.0.0.1/', { method: 'POST', body: f });
  return { body: Buffer.from(await req.arrayBuffer()), type: req.headers.get('content-type') as string };
};

/** A multipart POST; an answer that is not JSON (a runtime's own error page) comes back with status and text, not as a throw. */
async function postForm(url: string, parts: Record<string, Uint8Array<ArrayBuffer>>): Promise<{ status: number; body: Json; text: string }> {
  const f = new FormData();
  for (const [k, v] of Object.entries(parts)) f.append(k, new Blob([v]), `${k}.jpg`);
  const res = await fetch(url, { method: 'POST', body: f });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as Json, text };
  } catch {
    return { status: res.status, body: {}, text };
  }
}

export async function runLoad(o: LoadOptions, log: (m: string) => void = () => {}): Promise<LoadReport> {
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(o.url)) throw new Error(`[pinface] [load] loopback only, got ${o.url}`);
  const created = await fetch(`${o.url}/v1/subjects`, { method: 'POST', body: JSON.stringify({ label: 'load' }), headers: { 'content-type': 'application/json' } });
  const subject = ((await created.json()) as Json).id as string;
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
      const r = await autocannon({
        url: `${o.url}${e.path}`, method: 'POST', body: e.form.body, headers: { 'content-type': e.form.type },
        connections: c, amount: o.requests, timeout: 120,
      });
      const mem = workerdMemory(o.pid, undefined, o.command);
      peak = Math.max(peak, mem.hwmMb);
      levels.push({
        endpoint: e.name, concurrency: c, requests: r.requests.total, ok: r['2xx'], errors: r.errors + r.timeouts + r.non2xx,
        p50: r.latency.p50, p99: r.latency.p99, rps: r.requests.average, rssMb: mem.rssMb,
      });
    }
  }

  log(`integrity: ${o.enrolments} enrolments racing ${o.enrolments} verifications`);
  const before = ((await (await fetch(`${o.url}/v1/subjects/${subject}`)).json()) as Json).faces.length as number;
  const results = await Promise.all(Array.from({ length: 2 * o.enrolments }, (_, i) => (i % 2 === 0
    ? postForm(`${o.url}/v1/subjects/${subject}/faces`, { image: i % 4 === 0 ? o.faces.a1 : o.faces.a2 })
    : postForm(`${o.url}/v1/subjects/${subject}/verify`, { image: o.faces.a2 }))));
  const ids = results.filter((r, i) => i % 2 === 0 && r.status === 201).map((r) => r.body.template.id as string);
  const verified = results.filter((r, i) => i % 2 === 1 && r.status === 200).length;
  const errors = results.filter((r, i) => r.status !== (i % 2 === 0 ? 201 : 200)).map((r) => `${r.status} ${r.text.slice(0, 120)}`);
  const after = ((await (await fetch(`${o.url}/v1/subjects/${subject}`)).json()) as Json).faces as Json[];
  const stored = new Set(after.map((f) => f.id as string));
  return {
    levels, peakRssMb: Math.max(peak, workerdMemory(o.pid, undefined, o.command).hwmMb),
    integrity: { enrolled: ids.length, verified, templatesBefore: before, templatesAfter: after.length, missing: ids.filter((id) => !stored.has(id)), errors },
  };
}
