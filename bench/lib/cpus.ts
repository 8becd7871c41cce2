/**
 * @module The machine under the bench: how fast each CPU is and what first-touching memory costs,
 * and pinning processes to a CPU so two things compared side by side run on the same one.
 *
 * Why: on this machine (a 2-vCPU microVM) one vCPU runs the same code 1.3-1.8x slower than the
 * other, for wasm and plain JS alike, and a process stays where the scheduler first put it. Two
 * runtimes measured one after another can land on different vCPUs: that, not workerd, was the
 * "recognizer 1.6x slower in workerd" of an earlier bench (README, Numbers).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { processTable, processTree } from './processes.ts';

/** A fixed native workload (sha256 over 32 MiB, OpenSSL): no JIT tiers to make the probe itself vary; ms, lower is faster. */
const CONTROL = `
const { createHash } = require('node:crypto');
const data = Buffer.alloc(32 << 20, 7);
const run = () => { const t = performance.now(); createHash('sha256').update(data).digest(); return performance.now() - t; };
run();
console.log(Array.from({ length: 5 }, run).sort((x, y) => x - y)[2]);`;

const hasTaskset = (): boolean => spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;

export interface CpuSpeed { cpu: number; controlMs: number }

/** The control workload on each CPU in turn (median of 3 processes each); undefined without taskset. */
export function cpuSpeeds(): CpuSpeed[] | undefined {
  if (!hasTaskset()) return undefined;
  return cpus().map((_, cpu) => {
    const runs = [0, 1, 2].map(() => Number(execFileSync('taskset', ['-c', String(cpu), process.execPath, '-e', CONTROL], { encoding: 'utf8' }).trim()));
    return { cpu, controlMs: runs.sort((x, y) => x - y)[1] as number };
  });
}

/** The process and every descendant (workerd under Miniflare or wrangler), all threads, onto `cpuList` ("0", "0-1"). */
export function pinTree(rootPid: number, cpuList: string): void {
  if (!hasTaskset()) return;
  for (const pid of processTree(rootPid)) spawnSync('taskset', ['-a', '-c', '-p', cpuList, String(pid)], { stdio: 'ignore' });
}

export const allCpus = (): string => `0-${cpus().length - 1}`;

/** ms to write fresh memory, per MiB (a new 64 MiB buffer filled once): first touches are what a cold isolate pays. */
export function firstTouchMsPerMiB(): number {
  const t = performance.now();
  new Uint8Array(64 << 20).fill(1);
  return (performance.now() - t) / 64;
}

/** Processes outside this one's tree that used more than `share` of a CPU over `ms` (a competing job skews every figure). */
export async function otherBusyProcesses(ms = 1000, share = 0.2): Promise<Array<{ pid: number; command: string; cpuShare: number }>> {
  const before = processTable();
  await new Promise((r) => setTimeout(r, ms));
  const after = processTable();
  const ours = processTree(process.pid, after);
  const hz = 100; // USER_HZ on Linux
  return [...after.values()].filter((p) => !ours.has(p.pid) && before.has(p.pid)).map((p) => ({ pid: p.pid, command: p.command, cpuShare: (p.ticks - (before.get(p.pid)?.ticks ?? p.ticks)) / hz / (ms / 1000) }))
    .filter((p) => p.cpuShare > share);
}
