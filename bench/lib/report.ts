/** @module npm run bench's results: their shape, the markdown table and the SVG chart. */
import type { BatchRow } from './batch.ts';
import type { CpuSpeed } from './cpus.ts';
import type { KernelBench } from './kernel.ts';
import { type RecognizerComparison, recognizerTable } from './recognizer-compare.ts';
import { median, type IsolateMemory } from './workerd.ts';
import type { PeerComparison } from '../peer/compare.ts';

export const STAGES = ['decode', 'detect', 'refine', 'landmarks', 'align', 'project', 'embed'] as const;
type Spread = { median: number; p95: number };

export interface SizeResult {
  width: number; height: number; jpegBytes: number; runs: number;
  /** Per image, ms. */
  stages: Record<string, Spread>;
  decide: Spread;
  serverMs: Spread;
  /** Client side, whole request, ms. */
  c1: { p50: number; p95: number };
  c4: { p50: number; p95: number; rps: number };
}
export interface BenchResults {
  date: string;
  machine: {
    cpu: string; cores: number; node: string; workerd: string;
    /** A native control per CPU (null without taskset); ms to first-touch fresh memory; other processes busy when the run began. */
    cpuSpeeds: CpuSpeed[] | null; touchMsPerMiB: number; busy: Array<{ pid: number; command: string; cpuShare: number }>;
  };
  recognizer: RecognizerComparison[];
  batch: BatchRow[];
  bundle: Array<{ file: string; bytes: number; gzipBytes: number }>;
  /** firstStagesMs / warmStagesMs: the stage times of the first and second request (first inferences run slower). */
  coldStart: Array<{
    startMs: number; firstMs: number; firstServerMs: number; firstStagesMs: number; warmStagesMs: number; warmMs: number;
    /** The engine's start-up by part (/v1/info), and both requests' stage times by stage (both images). */
    startup: Record<string, number>; firstByStage: Record<string, number>; warmByStage: Record<string, number>;
  }>;
  sizes: SizeResult[];
  /** peak: sampled after each batch of requests, garbage not yet collected included; liveAfterGc: after a full collection (the larger of the sizes). */
  memory: { idle: IsolateMemory; peak: IsolateMemory; liveAfterGc: IsolateMemory };
  kernel: KernelBench;
  kernelTable: string[];
  peer: PeerComparison;
  /** The rotated sampler (align) as shipped vs the closure version it replaced, same inputs, bit-identical output. */
  align: { width: number; height: number; shrink: number; beforeMs: number; afterMs: number; identical: boolean };
  minutes: number;
}

const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const mb = (b: number) => (b / 2 ** 20).toFixed(2);
/** A pair's time if it were only its stages: two images' stage medians plus the decision. */
export const stageSum = (s: SizeResult): number => 2 * STAGES.reduce((a, k) => a + (s.stages[k]?.median ?? 0), 0) + s.decide.median;
const goal = (ok: boolean) => (ok ? 'met' : '**missed**');

export function benchMarkdown(r: BenchResults): string {
  const L: string[] = [];
  const m = r.machine;
  L.push(`Machine: ${m.cpu}, ${m.cores} cores, Node ${m.node}, workerd ${m.workerd}; ${r.date.slice(0, 10)}; whole run ${f(r.minutes)} min (\`npm run bench\`). `
    + `Native control per CPU (sha256 of 32 MiB): ${m.cpuSpeeds?.map((s) => `CPU ${s.cpu} ${f(s.controlMs)} ms`).join(', ') ?? 'not measured (no taskset)'}; first touch of fresh memory ${f(m.touchMsPerMiB, 2)} ms per MiB. `
    + (m.busy.length ? `**Other processes were busy when the run began** (${m.busy.map((p) => `${p.command} ${f(100 * p.cpuShare, 0)} %`).join(', ')}): the figures below are skewed.` : 'No other process was busy when the run began.'), '');
  L.push('**/v1/verify in workerd** (the deployable bundle under Miniflare, one isolate, default pin-threshold), two LFW faces scaled up to camera-sized baseline JPEGs; stage times per image from the response, '
    + `median and p95 over ${r.sizes[0]?.runs ?? 0} requests (${2 * (r.sizes[0]?.runs ?? 0)} images); end to end measured by the client.`, '');
  L.push(`| stage (per image, ms) | ${r.sizes.map((s) => `${s.width}x${s.height} median | p95`).join(' | ')} |`);
  L.push(`|---|${r.sizes.map(() => '---:|---:').join('|')}|`);
  for (const k of STAGES) L.push(`| ${k} | ${r.sizes.map((s) => `${f(s.stages[k]?.median ?? NaN)} | ${f(s.stages[k]?.p95 ?? NaN)}`).join(' | ')} |`);
  L.push(`| decide (per pair) | ${r.sizes.map((s) => `${f(s.decide.median, 3)} | ${f(s.decide.p95, 3)}`).join(' | ')} |`);
  L.push(`| **sum of stage medians per pair** (2 images + decide) | ${r.sizes.map((s) => `**${f(stageSum(s))}** | `).join(' | ')} |`);
  L.push(`| server total per pair | ${r.sizes.map((s) => `${f(s.serverMs.median)} | ${f(s.serverMs.p95)}`).join(' | ')} |`);
  L.push(`| **/v1/verify end to end, concurrency 1** (p50 \\| p95) | ${r.sizes.map((s) => `**${f(s.c1.p50)}** | ${f(s.c1.p95)}`).join(' | ')} |`);
  L.push(`| /v1/verify end to end, concurrency 4 (p50 \\| p95) | ${r.sizes.map((s) => `${f(s.c4.p50)} | ${f(s.c4.p95)}`).join(' | ')} |`);
  L.push(`| throughput at concurrency 4, pairs/s | ${r.sizes.map((s) => `${f(s.c4.rps)} | `).join(' | ')} |`);
  L.push(`| JPEG size per photo, KiB | ${r.sizes.map((s) => `${f(s.jpegBytes / 2 / 1024, 0)} | `).join(' | ')} |`, '');

  const cold = r.coldStart;
  type ColdFigure = 'startMs' | 'firstMs' | 'firstServerMs' | 'firstStagesMs' | 'warmStagesMs' | 'warmMs';
  const coldMed = (k: ColdFigure) => median(cold.map((c) => c[k]));
  L.push(`**Cold start** (${cold.length} fresh workerd processes on the bundle; medians): workerd ready with the worker's modules evaluated ${f(coldMed('startMs'), 0)} ms; `
    + `first /v1/verify (640x480) ${f(coldMed('firstMs'), 0)} ms, of which ${f(coldMed('firstServerMs'), 0)} ms inside the worker: ${f(coldMed('firstServerMs') - coldMed('firstStagesMs'), 0)} ms starting the engine (onnxruntime's wasm runtime, three sessions, the immune space into the kernel) and ${f(coldMed('firstStagesMs'), 0)} ms in the stages (${f(coldMed('warmStagesMs'), 0)} ms on the second request: first inferences are slower); the second request ${f(coldMed('warmMs'), 0)} ms end to end. `
    + `Cold start as the first request's extra time over a warm one: **${f(coldMed('firstMs') - coldMed('warmMs'), 0)} ms**.`, '');
  const part = (pick: (c: BenchResults['coldStart'][number]) => number) => f(median(cold.map(pick)), 0);
  L.push('| first request\'s extra time, part (medians) | ms |', '|---|---:|');
  for (const [k, label] of [['runtimeAndDetector', 'engine: onnxruntime\'s wasm runtime and the detector session'], ['landmark', 'engine: landmark session'], ['recognizer', 'engine: recognizer session'], ['space', 'engine: the immune space into the kernel']] as const) {
    L.push(`| ${label} | ${part((c) => c.startup[k] ?? NaN)} |`);
  }
  for (const k of STAGES) L.push(`| first run of stage ${k} (both images), over the warm request's | ${part((c) => (c.firstByStage[k] ?? 0) - (c.warmByStage[k] ?? 0))} |`);
  L.push(`| the rest (request handling, decision, network; client-measured total minus the above) | ${part((c) => c.firstMs - c.warmMs - (c.startup.total ?? 0) - (c.firstStagesMs - c.warmStagesMs))} |`, '');
  L.push(`**Recognizer per face, workerd vs Node** (same run; onnxruntime-web, same wasm build and model, one fixed input; both sides pinned to the CPU named, in ${r.recognizer[0]?.blocks ?? 0} alternating blocks of 21 runs):`, '', ...recognizerTable(r.recognizer), '');
  L.push('**Batches** (same run; onnxruntime-web in Node, one thread; the graph\'s batch dimension made symbolic, same weights): ms per face', '', '| network | batch 1 | batch 2 | batch 4 | batch 2 vs 1 | outputs equal to batch 1 bit for bit |', '|---|---:|---:|---:|---:|---|');
  for (const b of r.batch) L.push(`| ${b.model} | ${f(b.perFace[1], 2)} | ${f(b.perFace[2], 2)} | ${f(b.perFace[4], 2)} | ${f(100 * (b.perFace[2] / b.perFace[1] - 1), 1)} % | ${b.identical ? 'yes' : '**no**'} |`);
  L.push('');

  const total = r.bundle.reduce((a, b) => a + b.bytes, 0), gz = r.bundle.reduce((a, b) => a + b.gzipBytes, 0);
  L.push(`**Bundle** (\`wrangler deploy --dry-run\`): ${mb(total)} MiB, **${mb(gz)} MiB gzip** (Workers counts the compressed size: 3 MiB free plan, 10 MiB paid).`, '');
  L.push('| file | MiB | gzip MiB |', '|---|---:|---:|');
  for (const b of r.bundle) L.push(`| ${b.file} | ${mb(b.bytes)} | ${mb(b.gzipBytes)} |`);
  L.push('');
  const mem = (x: IsolateMemory) => `${f(x.totalMb)} MB (JS heap ${f(x.jsHeapMb)} + ArrayBuffers ${f(x.arrayBuffersMb)} + wasm ${f(x.wasmMb)})`;
  L.push(`**Memory** of the worker isolate, through the inspector: after start-up ${mem(r.memory.idle)}; peak of the samples over the run **${mem(r.memory.peak)}**; after a full collection (forced by a heap snapshot) **${mem(r.memory.liveAfterGc)}**. The first counts garbage V8 has not collected yet; the second is what the isolate keeps.`, '');
  L.push('**Projection** (same run):', ...r.kernelTable, '');
  const a = r.align;
  L.push(`**Align, the optimisation of this issue** (same run): the rotated 112x112 sampler on a ${a.width}x${a.height} photo at a ${a.shrink}x shrink (a face filling a 1280x960 frame), the closure-per-tap version it replaced ${f(a.beforeMs, 2)} ms, the inlined one ${f(a.afterMs, 2)} ms (**${f(a.beforeMs / a.afterMs, 1)}x**), output ${a.identical ? 'bit for bit identical' : '**different**'}.`, '');

  const [pin, peer] = r.peer.engines;
  L.push(`**Peer** (same Node process, one thread each, the same JPEG decoder): ${r.peer.testPairs} test pairs from dev folds 5-8 at thresholds chosen for best accuracy on ${r.peer.calibrationPairs} pairs from folds 1-4; LFW images as stored (250x250), time per pair from the two JPEG files to a decision.`, '');
  L.push('| engine | ms per pair, median | p95 | accuracy | threshold | pairs with no face found | load ms |', '|---|---:|---:|---:|---:|---:|---:|');
  for (const e of r.peer.engines) L.push(`| ${e.name} | ${f(e.pairMs.median)} | ${f(e.pairMs.p95)} | ${f(100 * e.accuracy, 2)} % | ${f(e.threshold, 4)} | ${e.noFace} | ${f(e.loadMs, 0)} |`);
  L.push('');
  const speed = pin && peer ? peer.pairMs.median / pin.pairMs.median : NaN;
  const s0 = r.sizes[0];
  L.push('**Goals**', '', '| goal | measured | |', '|---|---|---|');
  if (s0) L.push(`| /v1/verify p50 at ${s0.width}x${s0.height} in workerd <= 100 ms | ${f(s0.c1.p50)} ms | ${goal(s0.c1.p50 <= 100)} |`);
  if (s0) L.push(`| /v1/verify p50 <= 1.3x the sum of stage medians (${s0.width}x${s0.height}) | ${f(s0.c1.p50 / stageSum(s0), 2)}x | ${goal(s0.c1.p50 / stageSum(s0) <= 1.3)} |`);
  for (const s of r.sizes.slice(1)) L.push(`| the same at ${s.width}x${s.height} | ${f(s.c1.p50 / stageSum(s), 2)}x | ${goal(s.c1.p50 / stageSum(s) <= 1.3)} |`);
  if (pin && peer) L.push(`| pinface >= 3x faster per pair than the peer, at equal or better accuracy | ${f(speed, 2)}x; accuracy ${f(100 * pin.accuracy, 2)} vs ${f(100 * peer.accuracy, 2)} % | ${goal(speed >= 3 && pin.accuracy >= peer.accuracy)} |`);
  L.push(`| first request <= 300 ms over a warm one | ${f(coldMed('firstMs') - coldMed('warmMs'), 0)} ms extra on the first request (+ ${f(coldMed('startMs'), 0)} ms workerd start) | ${goal(coldMed('firstMs') - coldMed('warmMs') <= 300)} |`);
  L.push(`| isolate memory: sampled peak <= 128 MB, kept <= 96 MB (up to ${r.sizes.at(-1)?.width ?? 0}x${r.sizes.at(-1)?.height ?? 0}) | ${f(r.memory.peak.totalMb)} MB sampled with garbage; ${f(r.memory.liveAfterGc.totalMb)} MB kept after a collection | ${goal(r.memory.peak.totalMb <= 128)} (sampled), ${goal(r.memory.liveAfterGc.totalMb <= 96)} (kept) |`);
  return `${L.join('\n')}\n`;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1'];

/** Stacked per-pair stage medians per photo size with the measured end-to-end p50, and pinface vs the peer per pair. */
export function benchSvg(r: BenchResults): string {
  const rows = [
    ...r.sizes.map((s) => ({ label: `workerd ${s.width}x${s.height}`, parts: [...STAGES.map((k) => 2 * (s.stages[k]?.median ?? 0)), s.decide.median], mark: s.c1.p50 })),
    ...r.peer.engines.map((e) => ({ label: `${e.name.replace(/ \(.*\)$/, '')}, Node`, parts: [e.pairMs.median], mark: NaN })),
  ];
  const W = 760, L = 190, R = 30, rowH = 34, T = 40, H = T + rows.length * rowH + 60;
  const max = Math.max(...rows.map((row) => Math.max(row.parts.reduce((a, b) => a + b, 0), Number.isFinite(row.mark) ? row.mark : 0))) * 1.05;
  const px = (v: number) => (v / max) * (W - L - R);
  const body = rows.map((row, i) => {
    const y = T + i * rowH;
    let x = L;
    const bars = row.parts.map((v, k) => {
      const w = px(v);
      const rect = `<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${rowH - 10}" fill="${row.parts.length === 1 ? '#999' : COLORS[k % COLORS.length]}"/>`;
      x += w;
      return rect;
    }).join('');
    const mark = Number.isFinite(row.mark) ? `<line x1="${(L + px(row.mark)).toFixed(1)}" y1="${y - 3}" x2="${(L + px(row.mark)).toFixed(1)}" y2="${y + rowH - 7}" stroke="#000" stroke-width="2"/>` : '';
    const total = row.parts.reduce((a, b) => a + b, 0);
    const tx = Math.max(x, Number.isFinite(row.mark) ? L + px(row.mark) : 0) + 5;
    return `<text x="${L - 8}" y="${y + rowH / 2}" font-size="12" text-anchor="end">${esc(row.label)}</text>${bars}${mark}<text x="${tx.toFixed(1)}" y="${y + rowH / 2}" font-size="11">${total.toFixed(0)} ms</text>`;
  }).join('');
  const legend = [...STAGES, 'decide'].map((k, i) => `<rect x="${L + i * 80}" y="${H - 38}" width="10" height="10" fill="${COLORS[i]}"/><text x="${L + i * 80 + 14}" y="${H - 29}" font-size="11">${k}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif">`
    + `<text x="10" y="20" font-size="14" font-weight="bold">Time per verification pair, ms (stage medians stacked; black line: /v1/verify p50 at concurrency 1)</text>`
    + `${body}${legend}<text x="${L}" y="${H - 8}" font-size="11">${esc(`${r.machine.cpu}, ${r.machine.cores} cores, ${r.date.slice(0, 10)}; peer rows: LFW 250x250 pairs in Node, JPEG to decision`)}</text></svg>\n`;
}
