/**
 * @module bench/verify: `npm run bench` — /v1/verify inside workerd (wrangler dev, as `npm start`
 * runs it): per-stage medians from the response timings, client-side latency, and the workerd
 * process's peak resident memory (VmHWM) next to an idle baseline measured in the same run.
 */
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { freePort, startServer } from '../test/contract/process-target.ts';

const N = Number(process.env.BENCH_N ?? 30);
const fixture = (p: string) => new Uint8Array(readFileSync(new URL(`../test/fixtures/faces/${p}`, import.meta.url)));
const a1 = fixture('person-a-1.jpg'), a2 = fixture('person-a-2.jpg');

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] as number; };

/** workerd is a grandchild of wrangler; find it and read its memory high-water mark. */
function workerdMemory(rootPid: number): { hwmMb: number; rssMb: number } {
  const pids = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,comm='], { encoding: 'utf8' }).trim().split('\n')
    .map((l) => l.trim().split(/\s+/)).map(([pid, ppid, comm]) => ({ pid: Number(pid), ppid: Number(ppid), comm: comm ?? '' }));
  const tree = new Set([rootPid]);
  for (let grew = true; grew; ) { grew = false; for (const p of pids) if (tree.has(p.ppid) && !tree.has(p.pid)) { tree.add(p.pid); grew = true; } }
  const w = pids.find((p) => tree.has(p.pid) && p.comm.startsWith('workerd'));
  if (!w) throw new Error('workerd process not found');
  const status = readFileSync(`/proc/${w.pid}/status`, 'utf8');
  const kb = (key: string) => Number(/\d+/.exec(status.split('\n').find((l) => l.startsWith(key)) ?? '0')?.[0] ?? 0);
  return { hwmMb: kb('VmHWM') / 1024, rssMb: kb('VmRSS') / 1024 };
}

const port = await freePort();
const server = await startServer('node_modules/.bin/wrangler', ['dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', '0', '--log-level', 'warn', '--show-interactive-dev-session=false'], port);
try {
  const idle = workerdMemory(server.child.pid as number);
  const verify = async () => {
    const f = new FormData();
    f.append('source', new Blob([a1]), 's.jpg');
    f.append('target', new Blob([a2]), 't.jpg');
    const t0 = performance.now();
    const res = await server.fetch('/v1/verify', { method: 'POST', body: f });
    const body = (await res.json()) as { timings: Record<'source' | 'target', Record<string, number>> & { total: number } };
    if (res.status !== 200) throw new Error(JSON.stringify(body));
    return { body, client: performance.now() - t0 };
  };
  const cold = await verify();
  for (let i = 0; i < 3; i++) await verify();
  const runs = [];
  for (let i = 0; i < N; i++) runs.push(await verify());
  const mem = workerdMemory(server.child.pid as number);
  const stages = ['decode', 'detect', 'landmarks', 'align', 'embed'];
  console.log(`/v1/verify in workerd (wrangler dev), ${N} runs after 4 warm-ups; 160x160 JPEGs; one thread`);
  console.log('| stage | median ms (per image) |\n|---|---|');
  for (const s of stages) console.log(`| ${s} | ${median(runs.map((r) => ((r.body.timings.source[s] ?? 0) + (r.body.timings.target[s] ?? 0)) / 2)).toFixed(1)} |`);
  console.log(`| whole verify, server side | ${median(runs.map((r) => r.body.timings.total)).toFixed(1)} |`);
  console.log(`| whole verify, client side | ${median(runs.map((r) => r.client)).toFixed(1)} |`);
  console.log(`first request (model load + first inference): ${cold.client.toFixed(0)} ms`);
  console.log(`workerd peak RSS (VmHWM): ${mem.hwmMb.toFixed(1)} MB; idle before the first request: ${idle.hwmMb.toFixed(1)} MB; ratio ${(mem.hwmMb / idle.hwmMb).toFixed(2)}x`);
} finally {
  await server.stop();
}
