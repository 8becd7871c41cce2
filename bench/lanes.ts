/**
 * @module npm run bench:lanes — the query of the attack lab's query attacks (Square, RayS: a batch
 * of faces through the defense, then the recognizer on onnxruntime-node), run as one process of 2
 * onnxruntime threads and as two processes of 1 thread side by side: what `eval:worst-case --lanes 2`
 * buys on this machine. Undefended and through PIN (whose projection runs on the JS thread while a
 * 2-thread pool waits). Real aligned faces (test/fixtures/attack), batches of 10, alternating blocks.
 *
 *   npm run bench:lanes [-- --rounds 15]
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { objective } from '../eval/attacks/objective.ts';
import { evalDefenses } from '../eval/defenses/index.ts';
import { gradientRunner } from '../eval/grad/session.ts';
import { repoRoot } from '../scripts/lib/node-models.ts';

const { values: args } = parseArgs({ options: { child: { type: 'string' }, threads: { type: 'string', default: '1' }, rounds: { type: 'string', default: '15' } } });
const rounds = Number(args.rounds);
const DEFENSES = ['none', 'pin-threshold'] as const;
type Defense = typeof DEFENSES[number];
const BATCH = 10;

/** A child: loads, warms up, says `ready`, waits for a line on stdin, then prints its median ms per face. */
async function child(name: Defense, threads: number): Promise<void> {
  const model = (f: string) => new Uint8Array(readFileSync(join(repoRoot, 'models', f)));
  const clean = objective(await gradientRunner(model('fr_feature.onnx'), { threads }));
  const projecting = objective(await gradientRunner(model('fr_feature_pin.onnx'), { threads }));
  const [d] = await evalDefenses([name], { clean, projecting });
  if (!d) throw new Error(`[pinface] [bench:lanes] no defense ${name}`);
  const bytes = readFileSync(join(repoRoot, 'test', 'fixtures', 'attack', 'faces.u8'));
  const faces = Array.from({ length: BATCH }, (_, i) => Float32Array.from(bytes.subarray((i % (bytes.length / 12544)) * 12544, ((i % (bytes.length / 12544)) + 1) * 12544)));
  let seed = 1;
  const rng = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const query = () => d.recognizer.embed(faces, d.defense, rng);
  await query();
  console.log('ready');
  await new Promise((go) => process.stdin.once('data', go));
  const t: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    await query();
    t.push((performance.now() - t0) / BATCH);
  }
  console.log(JSON.stringify({ msPerFace: [...t].sort((a, b) => a - b)[t.length >> 1] }));
  process.exit(0);
}

/** `threads` per process, `processes` side by side, started together: ms per face for the machine (the processes' throughputs added). */
async function sideBySide(name: Defense, threads: number, processes: number): Promise<{ each: number[]; machine: number }> {
  const tsx = join(repoRoot, 'node_modules', '.bin', 'tsx');
  const kids = Array.from({ length: processes }, () => spawn(tsx, ['bench/lanes.ts', '--child', name, '--threads', String(threads), '--rounds', String(rounds)], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'inherit'] }));
  const lines = kids.map((k) => {
    let buf = '';
    const waiters: Array<(line: string) => void> = [];
    k.stdout.on('data', (b: Buffer) => {
      buf += String(b);
      for (let i: number; (i = buf.indexOf('\n')) >= 0; buf = buf.slice(i + 1)) waiters.shift()?.(buf.slice(0, i));
    });
    return () => new Promise<string>((got) => waiters.push(got));
  });
  const ready = lines.map((next) => next());
  await Promise.all(ready);
  const results = lines.map((next) => next());
  for (const k of kids) k.stdin.write('go\n');
  const each = (await Promise.all(results)).map((l) => (JSON.parse(l) as { msPerFace: number }).msPerFace);
  return { each, machine: 1 / each.reduce((s, ms) => s + 1 / ms, 0) };
}

if (args.child) {
  await child(args.child as Defense, Number(args.threads));
} else {
  const log = (s: string) => console.error(`[pinface] [bench:lanes] ${s}`);
  const rows: string[] = ['| defense | one process, 2 threads: ms/face | two processes, 1 thread: ms/face each | machine ms/face, one / two | two lanes\' speed-up |', '|---|---|---|---|---|'];
  for (const name of DEFENSES) {
    const one: number[] = [], two: number[] = [], each: number[] = [];
    // Two alternating blocks of each, so a drift in the machine falls on both alike; the better block of each counts.
    for (let block = 0; block < 2; block++) {
      one.push((await sideBySide(name, 2, 1)).machine);
      const s = await sideBySide(name, 1, 2);
      two.push(s.machine);
      each.push(...s.each);
      log(`${name}: block ${block + 1}: ${one.at(-1)?.toFixed(2)} vs ${two.at(-1)?.toFixed(2)} ms/face`);
    }
    const a = Math.min(...one), b = Math.min(...two);
    rows.push(`| ${name} | ${a.toFixed(1)} | ${Math.min(...each).toFixed(1)}-${Math.max(...each).toFixed(1)} | ${a.toFixed(2)} / ${b.toFixed(2)} | ${(a / b).toFixed(2)}x |`);
  }
  console.log(rows.join('\n'));
}
