/**
 * @module bench/space-memory: `npm run bench:space -- [--ks 500,1000,1500] [--formats f32,f16,i8]`
 * — what each immune-space size costs inside workerd. For every K and storage format it builds
 * the space from the full fit (.cache/fit, npm run fit), bundles a worker identical to
 * src/runtime/workers.ts but for that space, serves it with wrangler dev, and reads the workerd
 * isolate's memory (JS heap + ArrayBuffers + wasm memories, through the inspector; the peak of
 * samples taken after each pin-threshold verification) next to the workerd process's peak RSS.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { parseSpace, serializeSpace, type BasisFormat } from '../src/immune/space-file.ts';
import { latestFullFit } from '../scripts/lib/fit-faces.ts';
import { repoRoot, shippedSelector, shippedSelectorPath } from '../scripts/lib/node-models.ts';
import { freePort, startServer } from '../test/contract/process-target.ts';
import { inspectIsolate, median, peakOf, workerdMemory, wranglerDevArgs, type IsolateMemory } from './lib/workerd.ts';

const { values: args } = parseArgs({
  options: {
    space: { type: 'string' },
    ks: { type: 'string', default: '500,1000,1500' },
    formats: { type: 'string', default: 'f32,f16,i8' },
    requests: { type: 'string', default: '6' },
  },
});
const list = (s: string | undefined): string[] => (s ?? '').split(',').filter(Boolean);
const spacePath = args.space ?? latestFullFit();
const full = parseSpace(new Uint8Array(readFileSync(spacePath)));
const selectorK = shippedSelector()?.k;
const face = (p: string) => new Uint8Array(readFileSync(join(repoRoot, 'test', 'fixtures', 'faces', p)));
const [a1, a2] = [face('person-a-1.jpg'), face('person-a-2.jpg')];
const wranglerToml = readFileSync(join(repoRoot, 'wrangler.toml'), 'utf8');

interface Row { k: number; format: BasisFormat; fileMiB: number; isolate: IsolateMemory; kept: IsolateMemory; processPeakMb: number; projectMs: number }
const rows: Row[] = [];
for (const k of list(args.ks).map(Number)) {
  for (const format of list(args.formats) as BasisFormat[]) {
    const dir = join(repoRoot, '.cache', 'bench', `space-k${k}-${format}`);
    mkdirSync(dir, { recursive: true });
    const basis = new Float32Array(full.basis.buffer, full.basis.byteOffset, k * full.d);
    const bytes = serializeSpace({ ...full, k, variances: full.variances.subarray(0, k), basis }, format);
    writeFileSync(join(dir, 'immune-space.bin'), bytes);
    const src = (p: string) => relative(dir, join(repoRoot, 'src', p));
    // The learned selector is trained for the shipped K only; other K run without it.
    const withSelector = k === selectorK;
    writeFileSync(join(dir, 'worker.ts'), [
      `import space from './immune-space.bin';`,
      ...(withSelector ? [`import selector from '${relative(dir, shippedSelectorPath)}';`] : []),
      `import { createApp } from '${src('app.ts')}';`,
      `import { workersLimits } from '${src('config.ts')}';`,
      `import { workersAssets } from '${src('runtime/workers-assets.ts')}';`,
      `export default createApp({ ...workersAssets, space: new Uint8Array(space)${withSelector ? ', selector: new Uint8Array(selector)' : ''}, releaseAfterLoad: true }, { runtime: 'workerd', limits: workersLimits });`,
    ].join('\n'));
    writeFileSync(join(dir, 'wrangler.toml'), wranglerToml.replace(/^directory = "public"$/m, `directory = "${relative(dir, join(repoRoot, 'public'))}"`).replace(/^main = .*$/m, 'main = "worker.ts"').replace(/^name = .*$/m, `name = "pinface-bench-k${k}-${format}"`));
    console.error(`[pinface] [bench:space] k=${k} ${format}: starting wrangler dev`);
    const port = await freePort(), inspectorPort = await freePort();
    const server = await startServer(join(repoRoot, 'node_modules', '.bin', 'wrangler'), wranglerDevArgs(port, join(dir, 'wrangler.toml'), inspectorPort), port);
    const isolate = await inspectIsolate(inspectorPort, async () => (await server.fetch('/v1/info')).json() as Promise<{ memory: Record<string, number> }>);
    try {
      const samples: IsolateMemory[] = [await isolate.sample()];
      const project: number[] = [];
      for (let i = 0; i < Number(args.requests); i++) {
        const f = new FormData();
        f.append('source', new Blob([a1]), 'a.jpg');
        f.append('target', new Blob([a2]), 'b.jpg');
        f.append('defense', 'pin-threshold');
        const res = await server.fetch('/v1/verify', { method: 'POST', body: f });
        const body = (await res.json()) as { timings?: { source: { project: number } } };
        if (res.status !== 200 || !body.timings) throw new Error(`verify answered ${res.status}: ${JSON.stringify(body)}`);
        if (i >= 2) project.push(body.timings.source.project);
        samples.push(await isolate.sample());
      }
      const peak = peakOf(samples);
      const kept = await isolate.sample(true); // after a full collection: what the isolate keeps
      const processPeakMb = workerdMemory(server.child.pid as number).hwmMb;
      rows.push({ k, format, fileMiB: bytes.length / 2 ** 20, isolate: peak, kept, processPeakMb, projectMs: median(project) });
      console.error(`[pinface] [bench:space] k=${k} ${format}: isolate kept ${kept.totalMb.toFixed(1)} MB, sampled peak ${peak.totalMb.toFixed(1)} MB (process RSS peak ${processPeakMb.toFixed(0)} MB)`);
    } finally {
      isolate.close();
      await server.stop();
    }
  }
}
const f1 = (n: number) => n.toFixed(1);
console.log('| K | format | space file MiB | isolate kept MB (after a collection) | JS heap | ArrayBuffers | wasm memories | sampled peak MB | workerd process peak RSS MB | project ms (median, per image) |\n|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.k} | ${r.format} | ${f1(r.fileMiB)} | ${f1(r.kept.totalMb)} | ${f1(r.kept.jsHeapMb)} | ${f1(r.kept.arrayBuffersMb)} | ${f1(r.kept.wasmMb)} | ${f1(r.isolate.totalMb)} | ${r.processPeakMb.toFixed(0)} | ${f1(r.projectMs)} |`);
mkdirSync(join(repoRoot, 'report'), { recursive: true });
writeFileSync(join(repoRoot, 'report', 'space-memory.json'), `${JSON.stringify(rows, null, 2)}\n`);
