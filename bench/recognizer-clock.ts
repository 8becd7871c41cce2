/**
 * @module npm run bench:recognizer — the recognizer per face in workerd against the same
 * onnxruntime-web build in Node, both pinned to each CPU in turn (bench/lib/recognizer-compare.ts),
 * then again with a niced busy process on that CPU, started from this process's session as a
 * background job usually is. Linux autogroup scheduling weighs sessions, not processes: workerd runs
 * in a session of its own (wrangler and Miniflare start it that way), so the niced job takes half of
 * its CPU while Node, in the job's session, keeps ~97 %. Writes bench/recognizer-clock.md.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpuSpeeds } from './lib/cpus.ts';
import { compareRecognizer, recognizerTable, type RecognizerComparison } from './lib/recognizer-compare.ts';

const log = (s: string) => console.error(`[pinface] [bench:recognizer] ${s}`);
const speeds = cpuSpeeds();
log(speeds ? `native control per CPU: ${speeds.map((s) => `CPU ${s.cpu} ${s.controlMs.toFixed(1)} ms`).join(', ')}` : 'no taskset: both sides unpinned');
const cpuList = speeds?.map((s) => s.cpu) ?? [undefined];
const quiet: RecognizerComparison[] = [];
for (const cpu of cpuList) quiet.push(await compareRecognizer(cpu, log));

const busy: RecognizerComparison[] = [];
for (const cpu of cpuList) {
  const args = ['-n', '15', ...(cpu === undefined ? [] : ['taskset', '-c', String(cpu)]), process.execPath, '-e', 'for (;;);'];
  const job = spawn('nice', args, { stdio: 'ignore' });
  try {
    busy.push(await compareRecognizer(cpu, log));
  } finally {
    job.kill('SIGKILL');
  }
}
const autogroup = existsSync('/proc/sys/kernel/sched_autogroup_enabled') ? readFileSync('/proc/sys/kernel/sched_autogroup_enabled', 'utf8').trim() === '1' : false;
const md = [
  `# Recognizer per face, ms: workerd vs Node (npm run bench:recognizer, ${new Date().toISOString().slice(0, 10)})`, '',
  'The service\'s onnxruntime-web runner over the same wasm build and model (fr_feature_pin.onnx), one fixed input; both sides pinned to the CPU named, measured in alternating blocks of 21 runs.',
  speeds ? `Native control per CPU (sha256 of 32 MiB): ${speeds.map((s) => `CPU ${s.cpu} ${s.controlMs.toFixed(1)} ms`).join(', ')}. Autogroup scheduling: ${autogroup ? 'on' : 'off'}.` : '', '',
  '**Nothing else running:**', '', ...recognizerTable(quiet), '',
  '**With a niced (15) busy process on the same CPU, started from the bench\'s own session** (as a background training run is):', '', ...recognizerTable(busy),
].join('\n');
writeFileSync('bench/recognizer-clock.md', `${md}\n`);
console.log(md);
