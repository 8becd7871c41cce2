/**
 * @module npm run bench:recognizer — the recognizer per face in workerd against the same
 * onnxruntime-web build in Node, both pinned to each CPU in turn (bench/lib/recognizer-compare.ts),
 * with each CPU's speed on a plain-JS control. Writes bench/recognizer-clock.md. `npm run bench`
 * runs the same comparison inside its one run.
 */
import { writeFileSync } from 'node:fs';
import { cpuSpeeds } from './lib/cpus.ts';
import { compareRecognizer, recognizerTable } from './lib/recognizer-compare.ts';

const log = (s: string) => console.error(`[pinface] [bench:recognizer] ${s}`);
const speeds = cpuSpeeds();
log(speeds ? `control workload per CPU: ${speeds.map((s) => `CPU ${s.cpu} ${s.controlMs.toFixed(1)} ms`).join(', ')}` : 'no taskset: both sides unpinned');
const rows = [];
for (const cpu of speeds?.map((s) => s.cpu) ?? [undefined]) rows.push(await compareRecognizer(cpu, log));
const md = [
  `# Recognizer per face, ms: workerd vs Node (npm run bench:recognizer, ${new Date().toISOString().slice(0, 10)})`, '',
  'The service\'s onnxruntime-web runner over the same wasm build and model (fr_feature_pin.onnx), one fixed input, medians; both sides pinned to the CPU named.',
  speeds ? `Plain-JS control per CPU: ${speeds.map((s) => `CPU ${s.cpu} ${s.controlMs.toFixed(1)} ms`).join(', ')}.` : '', '',
  ...recognizerTable(rows),
].join('\n');
writeFileSync('bench/recognizer-clock.md', `${md}\n`);
console.log(md);
