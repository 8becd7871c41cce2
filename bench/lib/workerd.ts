/** @module Benchmarks' view of workerd: memory of the process wrangler dev runs our worker in. */
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { processTable, processTree } from './processes.ts';

export const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] as number; };
/** The q-quantile by nearest rank (NaN for no samples). */
export const quantile = (xs: number[], q: number): number => { const s = [...xs].sort((a, b) => a - b); return s.length ? (s[Math.min(s.length - 1, Math.floor(q * s.length))] as number) : NaN; };

/**
 * wrangler dev runs two workerd processes (a small proxy and the one hosting our worker); the
 * worker's is the larger. Returns its pid, memory high-water mark and current RSS.
 */
export function workerdMemory(rootPid: number, pid?: number, command = 'workerd'): { pid: number; hwmMb: number; rssMb: number } {
  const table = processTable();
  const tree = processTree(rootPid, table);
  const read = (p: number) => {
    const status = readFileSync(`/proc/${p}/status`, 'utf8');
    const kb = (key: string) => Number(/\d+/.exec(status.split('\n').find((l) => l.startsWith(key)) ?? '0')?.[0] ?? 0);
    return { pid: p, hwmMb: kb('VmHWM') / 1024, rssMb: kb('VmRSS') / 1024 };
  };
  if (pid !== undefined) return read(pid);
  const all = [...table.values()].filter((p) => tree.has(p.pid) && p.command.startsWith(command)).map((p) => read(p.pid));
  const w = all.sort((a, b) => b.rssMb - a.rssMb)[0];
  if (!w) throw new Error('workerd process not found');
  return w;
}

/** wrangler dev arguments for a quiet benchmark server on `port`, in open mode: a local benchmark has no keys to manage. */
export const wranglerDevArgs = (port: number, config?: string, inspectorPort = 0): string[] => [
  'dev', ...(config ? ['--config', config] : []), '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspectorPort), '--log-level', 'warn', '--show-interactive-dev-session=false',
  '--var', 'PINFACE_AUTH:open',
];

/** The worker isolate's own memory, as the Workers limit counts it, in MB. */
export interface IsolateMemory { jsHeapMb: number; arrayBuffersMb: number; wasmMb: number; totalMb: number }

/**
 * Reads the isolate's memory through wrangler dev's inspector (Chrome DevTools protocol): the
 * V8 heap in use and ArrayBuffer backing stores (model and space Data modules) from
 * Runtime.getHeapUsage, plus the wasm linear memories the app reports in /v1/info, which V8
 * allocates outside both. Unlike the process RSS, this leaves out workerd itself and compiled code.
 */
export async function inspectIsolate(inspectorPort: number, info: () => Promise<{ memory: Record<string, number> }>) {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
  const url = targets[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error('wrangler dev lists no inspector target');
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  let id = 0;
  const pending = new Map<number, (result: unknown) => void>();
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as { id?: number; result?: unknown };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result);
  });
  const call = <T>(method: string, params: Record<string, unknown> = {}): Promise<T> => new Promise((resolve) => {
    const my = ++id;
    pending.set(my, (r) => { pending.delete(my); resolve(r as T); });
    ws.send(JSON.stringify({ id: my, method, params }));
  });
  const MB = 2 ** 20;
  return {
    /**
     * With `collect`, a heap snapshot first: workerd's inspector does not answer
     * HeapProfiler.collectGarbage, but a snapshot runs a full collection (its chunks are dropped).
     */
    async sample(collect = false): Promise<IsolateMemory> {
      if (collect) await call('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
      const heap = await call<{ usedSize: number; backingStorageSize: number }>('Runtime.getHeapUsage');
      const wasm = Object.values((await info()).memory).reduce((a, b) => a + b, 0);
      const m = { jsHeapMb: heap.usedSize / MB, arrayBuffersMb: heap.backingStorageSize / MB, wasmMb: wasm / MB };
      return { ...m, totalMb: m.jsHeapMb + m.arrayBuffersMb + m.wasmMb };
    },
    close: () => ws.close(),
  };
}

/** The sample with the largest total. */
export const peakOf = (samples: IsolateMemory[]): IsolateMemory => samples.reduce((p, s) => (s.totalMb > p.totalMb ? s : p));
