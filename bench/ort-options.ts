/**
 * @module npm run bench:ort-options — the recognizer's forward pass and input VJP (the attack
 * lab's two sessions) on onnxruntime-node at graph optimisation 'extended' and 'all', side by side
 * in one run, on 1 and 2 threads: which level eval/grad/ort-options.ts should default to here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gradientRunner } from '../eval/grad/session.ts';
import type { OptimizationLevel } from '../eval/grad/ort-options.ts';
import { repoRoot } from '../scripts/lib/node-models.ts';

const model = new Uint8Array(readFileSync(join(repoRoot, 'models', 'fr_feature_pin.onnx')));
const n = 10, rounds = 5;
const levels: OptimizationLevel[] = ['extended', 'all'];
console.log('| threads | level | forward ms/face | VJP ms/face |\n|---|---|---|---|');
for (const threads of [1, 2]) {
  const runners = await Promise.all(levels.map((level) => gradientRunner(model, { threads, level })));
  const x = new Float32Array(n * 3 * 112 * 112).map((_, i) => Math.sin(i) * 0.5);
  const g = new Float32Array(n * (runners[0]?.outputSize ?? 0)).fill(0.01);
  const times = levels.map(() => ({ forward: [] as number[], vjp: [] as number[] }));
  // Interleaved rounds, so a neighbour's load falls on both levels alike; medians per level.
  for (let r = 0; r <= rounds; r++) {
    for (const [i, runner] of runners.entries()) {
      let t = performance.now();
      await runner.forward(x, n);
      const forward = (performance.now() - t) / n;
      t = performance.now();
      await runner.run(x, g, n);
      const vjp = (performance.now() - t) / n;
      if (r > 0) { times[i]?.forward.push(forward); times[i]?.vjp.push(vjp); } // round 0 warms up
    }
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1] as number;
  levels.forEach((level, i) => console.log(`| ${threads} | ${level} | ${median(times[i]?.forward ?? []).toFixed(1)} | ${median(times[i]?.vjp ?? []).toFixed(1)} |`));
}
