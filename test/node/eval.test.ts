/**
 * `npm run eval -- --preset quick` and `npm run eval:worst-case -- --preset quick` end to end in
 * child processes, as CI runs them: the reports, sane numbers, and resumed runs that answer from
 * their caches with the same tables.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const out = mkdtempSync(join(tmpdir(), 'pinface-eval-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const run = () => execFileSync(join('node_modules', '.bin', 'tsx'), ['eval/run.ts', '--preset', 'quick', '--out', out], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });

describe('npm run eval --preset quick', () => {
  it('writes results.json, results.md and a self-contained results.html; resumes from its cache', { timeout: 900_000 }, () => {
    run();
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as {
      defenses: Array<{ name: string }>; clean: Record<string, { accuracy: number; threshold: number }>;
      gray: Array<{ attack: string; eps: number; fooled: Record<string, boolean[]> }>; attackedPairs: number;
      transfer: { surrogate: { accuracy: number }; runs: Array<{ attack: string; fooledSurrogate: boolean[]; fooled: Record<string, boolean[]> }> };
    };
    expect(results.defenses.map((d) => d.name)).toEqual(['none', 'pin-threshold', 'jpeg-75']);
    for (const d of results.defenses) expect(results.clean[d.name]?.accuracy).toBeGreaterThan(0.9);
    const pgd8 = results.gray.find((g) => g.attack === 'PGD' && g.eps === 8);
    expect(pgd8?.fooled.none?.filter(Boolean).length).toBeGreaterThanOrEqual(results.attackedPairs - 1);
    // Transfer: the surrogate verifies well above chance, and the attack made on it fools it.
    expect(results.transfer.surrogate.accuracy).toBeGreaterThan(0.8);
    const mi = results.transfer.runs.find((t) => t.attack === 'MI-FGSM');
    expect(mi?.fooledSurrogate.filter(Boolean).length).toBeGreaterThanOrEqual(results.attackedPairs - 1);
    expect(mi?.fooled.none).toHaveLength(results.attackedPairs);
    const md = readFileSync(join(out, 'results.md'), 'utf8');
    expect(md).toMatch(/\| none \|/);
    expect(md).toContain('transfer MI-FGSM 8');
    const html = readFileSync(join(out, 'results.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('data:image/png;base64,');
    expect(html).not.toMatch(/<script|src="http/);
    const t0 = Date.now();
    run();
    expect(Date.now() - t0).toBeLessThan(60_000);
    expect(readFileSync(join(out, 'results.md'), 'utf8').split('\n').filter((l) => l.startsWith('| '))).toEqual(md.split('\n').filter((l) => l.startsWith('| ')));
    expect(existsSync(join(out, 'cache'))).toBe(true);
  });

  it('eval:worst-case --preset quick: every attack per pair, monotone success curves that reach 100 %, resumable', { timeout: 900_000 }, () => {
    const dir = join(out, 'worst');
    const runWorst = (...more: string[]) => execFileSync(join('node_modules', '.bin', 'tsx'), ['eval/worst-case-eval.ts', '--preset', 'quick', '--out', dir, ...more], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
    runWorst();
    const r = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'), (_k, x) => (x === 'Infinity' ? Infinity : x)) as {
      pairs: unknown[];
      results: Array<{ defense: string; operating: { tar: number }; successAtMax: number; worst: { curve: Array<{ success: number }> }; perPair: Record<string, Array<number | boolean>>; doubling: { pairs: number }; restarts: { pairs: number } }>;
    };
    expect(r.results.map((x) => x.defense)).toEqual(['none', 'pin-threshold']);
    for (const x of r.results) {
      expect(x.operating.tar).toBeGreaterThan(0.85);
      expect(Object.keys(x.perPair).sort()).toEqual(['apgd', 'grayBox', 'rays', 'square', 'transfer', 'worst']);
      for (const v of Object.values(x.perPair)) expect(v).toHaveLength(r.pairs.length);
      // Both convergence checks ran on the subset (one dodging, one impersonation pair in the quick preset).
      expect([x.doubling.pairs, x.restarts.pairs]).toEqual([2, 2]);
      const curve = x.worst.curve.map((c) => c.success);
      curve.forEach((c, i) => expect(c).toBeGreaterThanOrEqual(curve[i - 1] ?? 0));
      // The worst case is never above any single attack's budget.
      (x.perPair.worst as number[]).forEach((w, i) => expect(w).toBeLessThanOrEqual(x.perPair.apgd?.[i] as number));
    }
    expect(r.results[0]?.successAtMax).toBe(1);
    const table = (t: string) => t.split('\n').filter((l) => l.startsWith('| '));
    const md = readFileSync(join(dir, 'results.md'), 'utf8');
    // Every placeholder filled in (a header once printed a literal ${...}).
    expect(md).not.toContain('${');
    expect(md).toContain('/ 3 random starts |');
    // The run's time, documented from its units' timings; Square's flips per half (4 dodging, 4 impersonation pairs).
    expect(md).toMatch(/its units took about \d+\.\d h of one-thread unit time at each attack's median unit \(\d+\.\d h as timed/);
    for (const x of table(md).slice(2, 2 + r.results.length)) expect(x).toMatch(/ \(\d+\.\d-\d+\.\d\); [0-4]\/4 \/ [0-4]\/4 \|/);
    expect(table(md)).toHaveLength(2 + r.results.length + 2 + r.results.length);
    // Resumed, split over two lanes (processes of one thread each): every unit read back, none computed again
    // (a computed unit appends its minutes to timings.jsonl), the same table.
    const timings = () => readFileSync(join(dir, 'cache', readdirSync(join(dir, 'cache'))[0] as string, 'timings.jsonl'), 'utf8');
    const before = timings();
    // Every row's fast attacks, then every row's convergence checks, before any row's Square: a long run's white-box
    // budgets and the evidence that they converged land first.
    const timed = before.trim().split('\n').map((l) => JSON.parse(l) as { defense: string; attack: string });
    const order = timed.map((t) => t.attack);
    const checks = order.flatMap((a, i) => (/-2x-|-restarts/.test(a) ? [i] : []));
    expect(checks).toHaveLength(4);
    expect(Math.min(...checks)).toBeGreaterThan(order.lastIndexOf('rays'));
    expect(order.indexOf('square')).toBeGreaterThan(Math.max(...checks));
    // The defense's Square before the reference's, though the preset lists none first (the table keeps its order).
    expect(timed.filter((t) => t.attack === 'square').map((t) => t.defense)).toEqual(['pin-threshold', 'none']);
    runWorst('--lanes', '2');
    expect(timings()).toBe(before);
    expect(table(readFileSync(join(dir, 'results.md'), 'utf8'))).toEqual(table(md));
    // --plan reads the same cache without loading a model: every unit of the finished run on disk, each timed.
    const plan = execFileSync(join('node_modules', '.bin', 'tsx'), ['eval/worst-case-eval.ts', '--preset', 'quick', '--out', dir, '--plan'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    expect(plan).toMatch(/\n(\d+) of \1 units done; about 0\.0 h left at the pace so far\.\n/);
    expect(plan).not.toContain('| ? (0)');
    // Every unit done, so its tables are titled the run's result, not interim.
    expect(plan).toContain("\n## Budgets (/255) from the finished units: every unit done, so the run's result (");
    expect(plan).toContain("\n## Square (");
    expect(plan).not.toContain("Interim");
    // ...and the interim budgets of its finished units, every pair covered, dodging and impersonation apart.
    expect(plan).toContain('| none | apgd-m0.05 | 8/8 (4 / 4) |');
    expect(plan).toContain('| pin-threshold | worst so far | 8/8 (4 / 4) |');
  });

  it('eval:worst-case refuses a defense it does not know before loading anything', () => {
    const run = () => execFileSync(join('node_modules', '.bin', 'tsx'), ['eval/worst-case-eval.ts', '--preset', 'quick', '--defenses=none,jpeg-51', '--out', join(out, 'unknown')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    expect(run).toThrow(/unknown defense jpeg-51/);
    expect(existsSync(join(out, 'unknown'))).toBe(false);
  });
});
