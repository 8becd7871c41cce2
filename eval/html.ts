/**
 * @module Eval report page: one self-contained HTML file with inline SVG plots (no scripts, no
 * external assets) — accuracy vs eps per defense (gray-box PGD), ROC of every defense on clean
 * evaluation pairs, minimal-eps distributions, and a strip of example faces as inline PNGs.
 */
import { pngDataUri } from './png.ts';
import type { EvalResults } from './report.ts';

const COLORS = ['#222', '#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);

interface Series { name: string; points: Array<[number, number]> }

/** A line chart; `logX` for FAR axes. Values are drawn as given (the caller picks units). */
function lineChart(title: string, xLabel: string, yLabel: string, series: Series[], opts: { logX?: boolean; xMax?: number; yMin?: number; yMax?: number } = {}): string {
  const W = 520, H = 320, L = 56, R = 150, T = 28, B = 44;
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const fx = opts.logX ? (x: number) => Math.log10(Math.max(x, 1e-4)) : (x: number) => x;
  const x0 = Math.min(...xs.map(fx)), x1 = opts.xMax !== undefined ? fx(opts.xMax) : Math.max(...xs.map(fx));
  const y0 = opts.yMin ?? 0, y1 = opts.yMax ?? 100;
  const px = (x: number) => L + ((fx(x) - x0) / (x1 - x0 || 1)) * (W - L - R);
  const py = (y: number) => H - B - ((y - y0) / (y1 - y0 || 1)) * (H - T - B);
  const ticksX = opts.logX ? [-4, -3, -2, -1, 0].filter((t) => t >= x0 - 1e-9 && t <= x1 + 1e-9).map((t) => ({ v: 10 ** t, label: `1e${t}` }))
    : Array.from({ length: 5 }, (_, i) => x0 + ((x1 - x0) * i) / 4).map((v) => ({ v, label: v.toFixed(x1 - x0 < 4 ? 2 : v < 10 ? 1 : 0) }));
  const ticksY = Array.from({ length: 5 }, (_, i) => y0 + ((y1 - y0) * i) / 4);
  const lines = series.map((s, i) => {
    const color = COLORS[i % COLORS.length] as string;
    const d = s.points.map((p, k) => `${k ? 'L' : 'M'}${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`).join('');
    return `<path d="${d}" fill="none" stroke="${color}" stroke-width="1.8"/><text x="${W - R + 8}" y="${T + 14 * i + 10}" font-size="11" fill="${color}">${esc(s.name)}</text>`;
  }).join('');
  return `<figure><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif">
<text x="${L}" y="16" font-size="13" font-weight="bold">${esc(title)}</text>
<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#999"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#999"/>
${ticksX.map((t) => `<text x="${px(t.v)}" y="${H - B + 14}" font-size="10" text-anchor="middle">${t.label}</text>`).join('')}
${ticksY.map((t) => `<text x="${L - 6}" y="${py(t) + 3}" font-size="10" text-anchor="end">${t.toFixed(0)}</text><line x1="${L}" y1="${py(t)}" x2="${W - R}" y2="${py(t)}" stroke="#eee"/>`).join('')}
<text x="${(L + W - R) / 2}" y="${H - 8}" font-size="11" text-anchor="middle">${esc(xLabel)}</text>
<text x="14" y="${(T + H - B) / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 14 ${(T + H - B) / 2})">${esc(yLabel)}</text>
${lines}</svg></figure>`;
}

/** Minimal-eps distributions: one row of dots per defense and kind, with the median marked. */
function dotPlot(title: string, rows: Array<{ name: string; values: number[] }>, maxEps: number): string {
  const W = 520, L = 170, R = 20, rowH = 18, T = 30, H = T + rows.length * rowH + 30;
  const px = (v: number) => L + (Math.min(v, maxEps * 1.1) / (maxEps * 1.1)) * (W - L - R);
  const body = rows.map((r, i) => {
    const y = T + i * rowH + 9;
    if (!r.values.length) return `<text x="${L - 8}" y="${y + 3}" font-size="11" text-anchor="end">${esc(r.name)}</text><text x="${L}" y="${y + 3}" font-size="10" fill="#666">not run</text>`;
    const sorted = [...r.values].sort((a, b) => a - b);
    const med = sorted[sorted.length >> 1] ?? 0;
    const dots = r.values.map((v) => `<circle cx="${px(v).toFixed(1)}" cy="${y}" r="2.5" fill="${Number.isFinite(v) ? '#1f77b4' : '#d62728'}" fill-opacity="0.5"/>`).join('');
    return `<text x="${L - 8}" y="${y + 3}" font-size="11" text-anchor="end">${esc(r.name)}</text>${dots}<line x1="${px(med)}" y1="${y - 7}" x2="${px(med)}" y2="${y + 7}" stroke="#000" stroke-width="2"/>`;
  }).join('');
  const ticks = [0, maxEps / 4, maxEps / 2, (3 * maxEps) / 4, maxEps].map((t) => `<text x="${px(t)}" y="${H - 12}" font-size="10" text-anchor="middle">${t}</text>`).join('');
  return `<figure><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif"><text x="10" y="16" font-size="13" font-weight="bold">${esc(title)}</text>${body}${ticks}<text x="${(L + W) / 2}" y="${H}" font-size="11" text-anchor="middle">minimal eps (/255); red: not fooled within the grid; bar: median</text></svg></figure>`;
}

export interface ExampleStrip { caption: string; images: Array<{ label: string; face: ArrayLike<number> }> }
export interface HtmlExtras {
  roc: Record<string, Array<[number, number]>>;
  minimal: Record<string, { gray: number[]; adaptive: number[] }>;
  examples: ExampleStrip[];
  /** The shipped selectors' lambda, so they join the sweep's curves. */
  shippedLambda?: number;
}

/**
 * The lambda sweep (--preset selector): each selector family as a curve of (clean accuracy,
 * accuracy under PGD eps 8) over lambda, as a figure with an SVG; '' without a sweep.
 */
export function tradeOffChart(r: EvalResults, extras: HtmlExtras): string {
  const shipped = (d: string) => (d === 'pin-threshold' || d === 'pin-learned' ? `${d}@${extras.shippedLambda ?? ''}` : d);
  const families = ['pin-threshold', 'pin-learned'].map((family) => ({
    name: family,
    points: r.defenses.map(({ name }) => name).filter((n) => shipped(n).startsWith(`${family}@`))
      .map((n) => ({ n, lambda: Number(shipped(n).split('@')[1]) })).sort((a, b) => a.lambda - b.lambda)
      .map(({ n }) => {
        const pgd8 = r.gray.find((g) => g.attack === 'PGD' && g.eps === 8)?.fooled[n] ?? [];
        return [100 * (r.clean[n]?.accuracy ?? 0), (100 * pgd8.filter((f) => !f).length) / (pgd8.length || 1)] as [number, number];
      }),
  })).filter((f) => f.points.length > 1);
  return families.length
    ? lineChart('Selectors over lambda (left to right: larger to smaller lambda)', 'clean accuracy % (evaluation pairs)', 'accuracy under gray-box PGD eps 8 %', families)
    : '';
}

export function html(r: EvalResults, extras: HtmlExtras, tableMarkdown: string): string {
  const pgd = r.defenses.map(({ name }) => ({
    name,
    points: [[0, 100 * (1 - (extras.minimal[name]?.gray.filter((v) => v === 0).length ?? 0) / r.attackedPairs)] as [number, number],
      ...r.gray.filter((g) => g.attack === 'PGD').sort((a, b) => a.eps - b.eps).map((g) => [g.eps, (100 * (g.fooled[name] ?? []).filter((f) => !f).length) / r.attackedPairs] as [number, number])],
  }));
  const adaptive = r.defenses.map(({ name }) => ({
    name,
    points: r.adaptive.filter((a) => a.defense === name).sort((a, b) => a.eps - b.eps).map((a) => [a.eps, (100 * a.fooled.filter((f) => !f).length) / a.fooled.length] as [number, number]),
  }));
  const roc = Object.entries(extras.roc).map(([name, points]) => ({ name, points: points.map(([far, tar]) => [far, 100 * tar] as [number, number]) }));
  const maxEps = Math.max(...r.epsGrid, ...r.adaptiveEpsGrid);
  const dots = (kind: 'gray' | 'adaptive') => dotPlot(`Minimal l_inf eps, ${kind === 'gray' ? 'gray-box PGD' : 'adaptive PGD'}`,
    r.defenses.map(({ name }) => ({ name, values: extras.minimal[name]?.[kind] ?? [] })), maxEps);
  const tradeOffSvg = tradeOffChart(r, extras);
  const tradeOff = tradeOffSvg ? `<h2>Clean accuracy vs robustness over lambda</h2>${tradeOffSvg}` : '';
  const strips = extras.examples.map((s) => `<figure><div style="display:flex;gap:8px">${s.images.map((im) => `<div style="text-align:center;font-size:11px"><img src="${pngDataUri(im.face, 112, 112, 1)}" width="112" height="112" alt="${esc(im.label)}"><br>${esc(im.label)}</div>`).join('')}</div><figcaption>${esc(s.caption)}</figcaption></figure>`).join('');
  const table = tableMarkdown.split('\n').filter((l) => l.startsWith('|') && !l.startsWith('|---'));
  const cells = (l: string) => l.slice(1, -1).split('|').map((c) => c.trim());
  const htmlTable = `<table><thead><tr>${cells(table[0] ?? '||').map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${table.slice(1).map((l) => `<tr>${cells(l).map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>pinface attack lab — ${esc(r.preset)}</title>
<style>body{font-family:sans-serif;max-width:1200px;margin:24px auto;padding:0 16px;color:#222}table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}th{background:#f4f4f4}td:first-child{text-align:left}figure{display:inline-block;margin:8px}</style></head><body>
<h1>pinface attack lab</h1>
<p>Preset <b>${esc(r.preset)}</b>, seed ${r.seed}, data ${esc(r.data)}; ${r.attackedPairs} attacked pairs (${r.adaptivePairs} for adaptive attacks, EOT ${r.adaptiveSamples}); run time ${r.minutes.toFixed(1)} min.</p>
${htmlTable}
<h2>Accuracy under attack</h2>
${lineChart('Gray-box PGD (l_inf, 10 steps)', 'eps (/255)', 'accuracy of attacked pairs %', pgd)}
${lineChart('Adaptive PGD through the defense', 'eps (/255)', 'accuracy of attacked pairs %', adaptive)}
${tradeOff}
<h2>Clean verification</h2>
${lineChart('ROC on evaluation pairs', 'false accept rate', 'true accept rate %', roc, { logX: true, xMax: 1, yMin: 50 })}
<h2>Minimal perturbation</h2>
${dots('gray')}${dots('adaptive')}
<h2>Examples</h2>
${strips}
</body></html>
`;
}
