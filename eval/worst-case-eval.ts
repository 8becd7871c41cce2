/**
 * @module npm run eval:worst-case — `npm run eval:worst-case -- [dataDir] [--preset quick|medium|full]
 *   [--recognizer candidate.onnx [--threshold T]] [--defenses a,b] [--threads 2] [--lanes 1]
 *   [--out report/worst-case] [--seed 1] [--fresh] [--plan]`
 * Robustness against attackers who know the defense, as Carlini et al. (2019) ask for it: per
 * defense, every attack of eval/attacks/worst-case.ts on the same attacked pairs of dev folds
 * 5-8 (half genuine, half impostor), each pair's minimal l_inf budget, the per-pair worst case,
 * success-vs-eps curves, 95 % intervals, convergence checks on a subset (APGD with twice the
 * iterations; APGD from random starts) and success at the largest budget. Clean figures first, at
 * the same thresholds: the service's calibrated FAR-1e-3 threshold for its own modes, else the
 * FAR-1e-3 threshold of the calibration folds (1-4); TAR and realized FAR on the evaluation folds.
 * Every unit is cached under <out>/cache, so an interrupted run resumes; --plan says from that
 * cache alone (no model loads) what is done and how long the rest takes at the pace so far.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import manifest from '../models/manifest.json' with { type: 'json' };
import { sha256Hex } from '../scripts/lib/hash.ts';
import { optimizationLevel } from './grad/ort-options.ts';
import { repoRoot, servedRecognizerPaths } from '../scripts/lib/node-models.ts';
import { atFar, type Pair } from '../scripts/lib/pairs.ts';
import { calibratedThreshold } from '../src/calibration.ts';
import { defaultDefense } from '../src/config.ts';
import { uniform } from '../src/immune/rng.ts';
import { DEFENSE_MODES, type DefenseMode } from '../src/immune/selectors.ts';
import { pgd, type LinfTask } from './attacks/linf.ts';
import { median } from './attacks/minimal.ts';
import { objective } from './attacks/objective.ts';
import { diTiMiFgsm } from './attacks/transfer.ts';
import { apgdMinimal, medianInterval, RANDOM_STOP_MARGIN, subTask, raysMinimal, squareAt, successCurve, transferMinimal, wilson, worstCase, type Target } from './attacks/worst-case.ts';
import { chunksOf, joinChunks, readTimings, readUnit, recordTiming, sequentially, unitCache, unitFiles } from './cache.ts';
import { APGD_UNIT, budgetText, CHUNKING, interimBudgets, interimMarkdown, interimSquare, interimSquareMarkdown, flippedIn, laneArgs, planMarkdown, squareOrder, unitHours, unitHoursText, worstCasePlan, type Flipped } from './worst-case-plan.ts';
import { attackedPairs, loadEvalData } from './data.ts';
import { DEFENSE_NAMES, evalDefenses, type DefenseName, type EvalDefense } from './defenses/index.ts';
import { gradientRunner } from './grad/session.ts';
import { atThreshold, pairScores } from './scores.ts';
import { loadSurrogate } from './surrogate/dlib-resnet.ts';

interface Preset {
  folds?: { calibration: number[]; evaluation: number[] };
  pairs: number;
  defenses: DefenseName[];
  apgd: { iterations: number; restarts: number; samples: number; rounds: number; maxEps: number };
  /** Pairs (first half genuine, second impostor) re-attacked with twice the APGD iterations. */
  doubling: number;
  square: { eps: number; queries: number };
  rays: { queries: number; maxEps: number };
  /** Majority of this many fresh draws decides a pair through a random defense. */
  draws: number;
  grid: number[];
}

/**
 * Random starts of the restart check (beside the doubling check, on the same pairs). A constant, not a preset field:
 * the preset is part of the cache key, and the check came after hours of cached full-preset units.
 */
const RANDOM_RESTARTS = 3;

const PRESETS: Record<string, Preset> = {
  quick: {
    folds: { calibration: [1], evaluation: [5] }, pairs: 8, defenses: ['none', 'pin-threshold'],
    apgd: { iterations: 10, restarts: 1, samples: 4, rounds: 3, maxEps: 32 }, doubling: 2,
    square: { eps: 8, queries: 50 }, rays: { queries: 100, maxEps: 64 }, draws: 3, grid: [1, 2, 4, 8, 16, 32, 64],
  },
  /** A first look in well under an hour per defense: fewer pairs, iterations and queries, the checklist's EOT. */
  medium: {
    pairs: 40, defenses: ['none', 'pin-threshold'],
    apgd: { iterations: 10, restarts: 1, samples: 16, rounds: 5, maxEps: 32 }, doubling: 4,
    square: { eps: 8, queries: 500 }, rays: { queries: 1000, maxEps: 64 }, draws: 3, grid: [1, 2, 4, 8, 16, 32, 64],
  },
  full: {
    pairs: 200, defenses: ['none', 'pin-threshold', 'jpeg-50'],
    apgd: { iterations: 25, restarts: 1, samples: 16, rounds: 5, maxEps: 32 }, doubling: 20,
    square: { eps: 8, queries: 10_000 }, rays: { queries: 2000, maxEps: 64 }, draws: 5, grid: [1, 2, 4, 8, 16, 32, 64],
  },
};

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    preset: { type: 'string', default: 'full' }, out: { type: 'string' }, seed: { type: 'string', default: '1' }, fresh: { type: 'boolean', default: false },
    recognizer: { type: 'string' }, threshold: { type: 'string' },
    // The defenses to run instead of the preset's (comma-separated, may be empty: the candidate alone), e.g. to run a
    // candidate or a baseline beside a run of the others; units are cached per defense, so a later run reads them all.
    defenses: { type: 'string' },
    // onnxruntime threads per network. Results are bit for bit the same at any count (checked); what changes is throughput:
    // PIN's projection runs on the JS thread while the pool waits, so two runs of --threads 1 side by side (one row each)
    // keep both cores busy where one run of 2 threads leaves one idle for half of every query.
    threads: { type: 'string', default: '2' },
    plan: { type: 'boolean', default: false },
    // Rows split over this many processes of --threads 1 side by side (the full preset: 2 on this machine), then every
    // row assembled from the cache in this one.
    lanes: { type: 'string', default: '1' },
  },
});
const unknownPreset = () => { throw new Error(`[pinface] [eval:worst-case] unknown preset ${args.preset}; use one of ${Object.keys(PRESETS).join(', ')}`); };
// Narrowed once here rather than by an if, so the row function below (hoisted) sees it defined.
const preset: Preset = PRESETS[args.preset as string] ?? unknownPreset();
const seed = Number(args.seed);
const threads = Number(args.threads), lanes = Number(args.lanes);
for (const [flag, v] of [['threads', threads], ['lanes', lanes]] as const) {
  if (!(Number.isInteger(v) && v >= 1)) throw new Error(`[pinface] [eval:worst-case] --${flag} must be a whole number >= 1, got ${args[flag]}`);
}
const only = args.defenses === undefined ? preset.defenses : (args.defenses.split(',').filter((d) => d !== '') as DefenseName[]);
const unknown = only.filter((d) => !(DEFENSE_NAMES as readonly string[]).includes(d));
if (unknown.length) throw new Error(`[pinface] [eval:worst-case] unknown defense ${unknown.join(', ')}; use some of ${DEFENSE_NAMES.join(', ')}`);
const dataDir = resolve(positionals[0] ?? join(repoRoot, '..', 'shared', 'data'));
const out = resolve(args.out ?? join(repoRoot, 'report', args.preset === 'full' ? 'worst-case' : `worst-case-${args.preset}`));
const log = (s: string) => console.error(`[pinface] [eval:worst-case] ${s}`);
const t0 = performance.now();

const read = (p: string) => new Uint8Array(readFileSync(p));
const served = servedRecognizerPaths();
const cleanBytes = read(served.clean);
const projectingBytes = read(served.projecting);
const candidateBytes = args.recognizer ? read(resolve(args.recognizer)) : undefined;
const buildKey = sha256Hex(JSON.stringify([sha256Hex(cleanBytes), sha256Hex(projectingBytes), manifest.space.sha256, defaultDefense, preset])).slice(0, 12);
const cacheDir = join(out, 'cache', buildKey);
// The attacks that search each pair's minimal budget, then Square (one eps: flipped or not).
const MINIMAL_ATTACKS = [APGD_UNIT, 'gray-box', 'transfer', 'rays'];
const ATTACKS = [...MINIMAL_ATTACKS, 'square'];
// As the run names them when the data has the preset's pairs (the run counts the pairs it got).
const checkUnits = [`${APGD_UNIT}-2x-${Math.min(preset.doubling, preset.pairs)}`, `${APGD_UNIT}-restarts${RANDOM_RESTARTS}-${Math.min(preset.doubling, preset.pairs)}`];
const candidateKey = candidateBytes ? `pin-threshold+${basename(args.recognizer as string, '.onnx')}-${sha256Hex(candidateBytes).slice(0, 12)}` : undefined;
/** This run's rows and units on disk, as the plan and the report's time read them. */
const runOnDisk = () => ({ keys: [...only, ...(candidateKey ? [candidateKey] : [])], pairs: preset.pairs, seed, chunking: CHUNKING, files: unitFiles(cacheDir) });
if (args.plan) {
  // Until they have units of their own: Square at most RayS's cost per query times its queries; each check about
  // APGD's cost per pair times its pairs and its extra iterations or restarts.
  const checked = Math.min(preset.doubling, preset.pairs) / ((chunksOf(APGD_UNIT, preset.pairs, CHUNKING)[0] as { idx: number[] }).idx.length);
  const derived = {
    square: { from: 'rays', factor: preset.square.queries / preset.rays.queries, upper: true },
    [checkUnits[0] as string]: { from: APGD_UNIT, factor: 2 * checked, upper: false },
    [checkUnits[1] as string]: { from: APGD_UNIT, factor: (RANDOM_RESTARTS / preset.apgd.restarts) * checked, upper: false },
    // Until its own units land, paced like the units of the rule before it (which stopped earlier, but then searched longer).
    [APGD_UNIT]: { from: 'apgd', factor: 1, upper: false },
  };
  const run = runOnDisk();
  const rows = worstCasePlan({ ...run, attacks: ATTACKS, checks: checkUnits, timings: readTimings(cacheDir), derived });
  // Both interim tables read the minimal attacks' units: each file is read once.
  const units = new Map<string, unknown>();
  const read = (f: string) => (units.has(f) ? units.get(f) : units.set(f, readUnit(cacheDir, f)).get(f));
  const onDisk = { ...run, attacks: MINIMAL_ATTACKS, read };
  console.log(`# eval:worst-case --plan: ${args.preset} preset, ${preset.pairs} pairs, cache ${cacheDir}\n\n${planMarkdown(rows)}`);
  // Labelled interim until every unit is on disk: Square and the checks are not in it, and a row's pairs so far
  // are not yet its 200. Once complete, the same figures are the run's, and the report says so.
  const complete = rows.every((r) => r.done === r.total);
  const status = complete ? `every unit done, so the run's result (${join(out, 'results.md')})` : "not the run's result";
  console.log(`\n## ${complete ? 'Budgets' : 'Interim budgets'} (/255) from the finished units: ${status}\n\n${interimMarkdown(interimBudgets(onDisk), preset.pairs)}`);
  console.log(`\n## ${complete ? '' : 'Interim '}Square (${preset.square.queries} queries at ${preset.square.eps}/255) from the finished units\n\n${interimSquareMarkdown(interimSquare(onDisk, preset.square.eps), preset.pairs, preset.square.eps)}`);
  process.exit(0);
}
if (args.fresh) rmSync(join(out, 'cache'), { recursive: true, force: true });
if (lanes > 1) {
  const common = [...positionals, '--preset', args.preset as string, '--seed', String(seed), '--out', out, '--threads', '1'];
  const candidate = args.recognizer ? ['--recognizer', args.recognizer, ...(args.threshold ? ['--threshold', args.threshold] : [])] : undefined;
  const script = process.argv[1] as string;
  const codes = await Promise.all(laneArgs(only, candidate, lanes).map((extra) => new Promise<number | null>((done) => {
    log(`lane: ${extra.join(' ')}`);
    // Said when it happens, not when the last lane ends: the others may run for a day.
    spawn(process.execPath, [...process.execArgv, script, ...common, ...extra], { stdio: 'inherit' }).on('exit', (code) => {
      if (code !== 0) log(`lane ${extra.join(' ')} failed (exit code ${code}); the other lanes go on, a re-run resumes it`);
      done(code);
    });
  })));
  if (codes.some((c) => c !== 0)) throw new Error(`[pinface] [eval:worst-case] a lane failed (exit codes ${codes.join(', ')}); re-run to resume`);
  log('every lane done: assembling the rows from the cache');
}
const { cached, cachedFaces } = unitCache(cacheDir);

const data = await loadEvalData(dataDir, seed, preset.folds);
const clean = objective(await gradientRunner(cleanBytes, { threads }));
const projecting = sha256Hex(projectingBytes) === sha256Hex(cleanBytes) ? clean : objective(await gradientRunner(projectingBytes, { threads }));
const defenses: Array<EvalDefense & { key: string }> = (await evalDefenses(only, { clean, projecting })).map((d) => ({ ...d, key: d.name }));
if (candidateBytes) {
  const cand = objective(await gradientRunner(candidateBytes, { threads }));
  const [pin] = await evalDefenses(['pin-threshold'], { clean, projecting: cand });
  const name = `pin-threshold+${basename(args.recognizer as string, '.onnx')}`;
  defenses.push({ ...(pin as EvalDefense), name, label: `${pin?.label}, recognizer ${basename(args.recognizer as string)}`, key: candidateKey as string });
}

const isServiceMode = (name: string): name is DefenseMode => (DEFENSE_MODES as readonly string[]).includes(name) && name in manifest.calibration.modes;
const attacked = attackedPairs(data, preset.pairs, seed);
const facesOf = (pairs: Pair[], side: 'a' | 'b') => pairs.map((p) => data.face(p[side]) as Float32Array);
const sign = attacked.map((p) => (p.same ? -1 : 1));
const targetFaces = facesOf(attacked, 'b');
const surrogate = objective(await gradientRunner(loadSurrogate(join(repoRoot, 'models')), { threads }));
const surTask: LinfTask = { faces: facesOf(attacked, 'a'), refs: await surrogate.embed(targetFaces), sign };

interface AttackSummary { median: ReturnType<typeof medianInterval>; dodging: number; impersonation: number; at8: ReturnType<typeof wilson>; curve: Array<{ eps: number; success: number }> }
const summarize = (m: number[]): AttackSummary => {
  const half = (same: boolean) => median(m.filter((_, i) => (attacked[i] as Pair).same === same));
  return { median: medianInterval(m), dodging: half(true), impersonation: half(false), at8: wilson(m.filter((x) => x <= 8).length, m.length), curve: successCurve(m, preset.grid) };
};

/** A stronger APGD on the check subset: how many pairs' budgets it lowered, and which. */
interface Check { pairs: number; lowered: number; by: Array<{ pair: number; from: number | undefined; to: number | undefined }> }

interface Row {
  defense: string; label: string; threshold: number;
  operating: { tar: number; far: number; genuine: number; impostors: number };
  attacks: Record<string, AttackSummary>;
  square: { eps: number; queries: number; fooled: ReturnType<typeof wilson>; meanQueries: number; dodging: Flipped; impersonation: Flipped };
  raysQueries: number; worst: AttackSummary; successAtMax: number;
  doubling: Check;
  restarts: Check;
  perPair: Record<string, Array<number | boolean>>;
}
type Defense = EvalDefense & { key: string };
/**
 * One defense's row, in passes over every row, cheapest evidence first: through 'rays' the minimal-budget attacks,
 * through 'checks' also APGD's convergence checks, then Square (up to 10,000 queries on each pair it cannot flip,
 * the slowest unit of any row). Each row's white-box budgets and their checks so land hours before any Square; a
 * later pass finds the earlier units in the cache.
 */
async function evaluate(d: Defense, through: 'rays' | 'checks'): Promise<undefined>;
async function evaluate(d: Defense, through: 'all'): Promise<Row>;
async function evaluate(d: Defense, through: 'rays' | 'checks' | 'all'): Promise<Row | undefined> {
  // 1. The threshold and the clean operating point.
  const threshold = args.threshold && d.key !== d.name ? Number(args.threshold)
    : isServiceMode(d.name) ? calibratedThreshold(d.name, 1e-3)
    : await cached(`threshold-${d.key}-seed${seed}`, async () => atFar(await pairScores(data, d, data.calibration, `${d.name}: calibration pairs`, uniform(seed * 7919 + 1)), 1e-3).threshold);
  const operating = await cached(`operating-${d.key}-t${threshold}-seed${seed}`, async () =>
    atThreshold(await pairScores(data, d, data.evaluation, `${d.name}: evaluation pairs`, uniform(seed * 7919 + 2)), threshold));
  log(`${d.name}: threshold ${threshold.toFixed(4)}, TAR ${(100 * operating.tar).toFixed(2)} %, FAR ${(100 * operating.far).toFixed(3)} % on the evaluation folds`);
  const target: Target = { defense: d.defense, recognizer: d.recognizer, threshold, random: d.random };
  const task: LinfTask = { faces: facesOf(attacked, 'a'), refs: await d.recognizer.embed(targetFaces, d.defense, uniform(seed + 3)), sign };
  const rng = (salt: number) => uniform(seed * 1009 + salt);
  const search = { maxEps: preset.apgd.maxEps, rounds: preset.apgd.rounds, draws: preset.draws };
  const unit = (name: string) => `${d.key}-${name}-n${attacked.length}-t${threshold.toFixed(6)}-seed${seed}`;

  // 2. The attacks, each a cached unit.
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => cached(unit(name), async () => {
    const s = performance.now();
    const r = await work();
    const minutes = (performance.now() - s) / 60000;
    log(`${d.name}: ${name} in ${minutes.toFixed(1)} min`);
    recordTiming(cacheDir, { defense: d.key, attack: name.replace(/-pairs\d+-\d+$/, ''), minutes, threads, level: optimizationLevel(), at: new Date().toISOString() });
    return r;
  });
  const chunks = <T>(name: string, work: (t: LinfTask, idx: number[], salt: number) => Promise<T>): Promise<T[]> =>
    sequentially(chunksOf(name, attacked.length, CHUNKING), (c) => timed(c.name, () => work(subTask(task, c.idx), c.idx, c.salt)));
  const chunkedList = async (name: string, work: (t: LinfTask, idx: number[], salt: number) => Promise<number[]>) => (await chunks(name, work)).flat();
  const chunked = async <T extends Record<string, Array<number | boolean>>>(name: string, work: (t: LinfTask, idx: number[], salt: number) => Promise<T>): Promise<T> =>
    joinChunks(await chunks(name, work));
  const minimal: Record<string, number[]> = {};
  minimal.apgd = await chunkedList(APGD_UNIT, (t, _idx, salt) => apgdMinimal(target, t, { ...search, ...preset.apgd, rng: rng(1 + 100 * salt) }));
  // The gray-box attacker knows the network the defense feeds, not the defense: references through the bare network.
  const bareRefs = await d.recognizer.embed(targetFaces);
  minimal.grayBox = await chunkedList('gray-box', (t, chunk, salt) => transferMinimal(target, t, { ...search, rng: rng(2 + 100 * salt) },
    (local, eps) => {
      const idx = local.map((i) => chunk[i] as number);
      return cachedFaces(unit(`gray-faces-${sha256Hex(`${idx}/${eps}`).slice(0, 16)}`), () => pgd(d.recognizer, { ...subTask(task, idx), refs: idx.map((i) => bareRefs[i] as Float32Array) }, eps, { rng: rng(3) }));
    }));
  minimal.transfer = await chunkedList('transfer', (t, chunk, salt) => transferMinimal(target, t, { ...search, rng: rng(4 + 100 * salt) },
    (local, eps) => diTiMiFgsm(surrogate, subTask(surTask, local.map((i) => chunk[i] as number)), eps, { rng: rng(5) })));
  const hard = await chunked('rays', (t, idx, salt) => raysMinimal(target, t, preset.rays.queries, preset.rays.maxEps, rng(6 + 100 * salt), preset.draws, idx.map((i) => targetFaces[i] as Float32Array)));
  minimal.rays = hard.eps;
  if (through === 'rays') return undefined;

  // 3. Convergence checks on a subset (half dodging, half impersonation): APGD with twice the iterations, and APGD
  // from RANDOM_RESTARTS random starts, must not find smaller budgets than the run's APGD did.
  const half = preset.doubling >> 1, genuine = attacked.filter((p) => p.same).length;
  const dIdx = [...Array.from({ length: half }, (_, i) => i), ...Array.from({ length: preset.doubling - half }, (_, i) => genuine + i)].filter((i) => i < attacked.length);
  const stronger = async (name: string, change: Partial<typeof preset.apgd>, salt: number): Promise<Check> => {
    const found = await timed(name, () => apgdMinimal(target, subTask(task, dIdx), { ...search, ...preset.apgd, ...change, rng: rng(salt) }));
    const lowered = dIdx.filter((i, k) => (found[k] as number) < (minimal.apgd?.[i] as number));
    return { pairs: dIdx.length, lowered: lowered.length, by: lowered.map((i) => ({ pair: i, from: minimal.apgd?.[i], to: found[dIdx.indexOf(i)] })) };
  };
  const doubling = await stronger(`${APGD_UNIT}-2x-${dIdx.length}`, { iterations: 2 * preset.apgd.iterations }, 8);
  const restarts = await stronger(`${APGD_UNIT}-restarts${RANDOM_RESTARTS}-${dIdx.length}`, { restarts: RANDOM_RESTARTS }, 9);
  if (through === 'checks') return undefined;
  const square = await chunked('square', (t, _idx, salt) => squareAt(target, t, preset.square.eps, preset.square.queries, rng(7 + 100 * salt), preset.draws));
  const worst = worstCase(minimal, { square: { eps: preset.square.eps, fooled: square.fooled } });
  const flipped = (same: boolean): Flipped => flippedIn(square.fooled, (i) => (attacked[i] as Pair).same === same);

  return {
    defense: d.name, label: d.label, threshold, operating,
    attacks: Object.fromEntries(Object.entries(minimal).map(([k, m]) => [k, summarize(m)])),
    square: { eps: preset.square.eps, queries: preset.square.queries, fooled: wilson(square.fooled.filter(Boolean).length, square.fooled.length), meanQueries: square.queries.reduce((a, b) => a + b, 0) / square.queries.length,
      dodging: flipped(true), impersonation: flipped(false) },
    raysQueries: median(hard.queries),
    worst: summarize(worst),
    doubling, restarts,
    successAtMax: worst.filter((m) => m <= preset.apgd.maxEps).length / worst.length,
    perPair: { ...minimal, square: square.fooled, worst },
  };
}
for (const d of defenses) await evaluate(d, 'rays');
for (const d of defenses) await evaluate(d, 'checks');
const finished = new Map<Defense, Row>();
for (const d of squareOrder(defenses)) finished.set(d, await evaluate(d, 'all'));
const results = defenses.map((d) => finished.get(d) as Row);

// 4. The report.
const pct = (x: number) => (100 * x).toFixed(1);
const eps = budgetText;
const md: string[] = [
  `# Worst-case robustness (${args.preset} preset, seed ${seed})`, '',
  `${attacked.length} attacked pairs of ${data.source} (evaluation folds), ${attacked.filter((p) => p.same).length} genuine (dodging) and ${attacked.filter((p) => !p.same).length} impostor (impersonation). APGD ${preset.apgd.iterations} iterations x ${preset.apgd.restarts} restart(s), EOT ${preset.apgd.samples} draws for random defenses (a pair done once its averaged margin clears ${RANDOM_STOP_MARGIN}), margin loss, minimal eps by ${preset.apgd.rounds} bisection rounds up to ${preset.apgd.maxEps}/255; gray-box PGD on the bare recognizer; transfer DI-TI-MI-FGSM from the dlib surrogate; Square ${preset.square.queries} queries at ${preset.square.eps}/255; RayS (hard label) ${preset.rays.queries} queries up to ${preset.rays.maxEps}/255. A random defense decides by the majority of ${preset.draws} fresh draws. Took ${((performance.now() - t0) / 60000).toFixed(1)} min in this process (cached units are not re-timed); its units took ${unitHoursText(unitHours(worstCasePlan({ ...runOnDisk(), attacks: ATTACKS, checks: checkUnits, timings: readTimings(cacheDir) })))}.`, '',
  `| defense | threshold | TAR % | FAR % | APGD median (95 % CI) | gray-box | transfer | RayS | Square @8 fooled % (CI); dodging / impersonation | worst median (95 % CI) | worst dodging / impersonation | worst success @8 % (CI) | success @max % | lowered by 2x iterations / ${RANDOM_RESTARTS} random starts |`,
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
];
for (const r of results) {
  const a = r.attacks as Record<'apgd' | 'grayBox' | 'transfer' | 'rays', AttackSummary>, w = r.worst;
  const mi = (s: AttackSummary) => `${eps(s.median.median)} (${eps(s.median.low)}-${eps(s.median.high)})`;
  md.push(`| ${r.defense} | ${r.threshold.toFixed(4)} | ${pct(r.operating.tar)} | ${pct(r.operating.far)} | ${mi(a.apgd)} | ${eps(a.grayBox.median.median)} | ${eps(a.transfer.median.median)} | ${eps(a.rays.median.median)} | ${pct(r.square.fooled.rate)} (${pct(r.square.fooled.low)}-${pct(r.square.fooled.high)}); ${r.square.dodging.fooled}/${r.square.dodging.of} / ${r.square.impersonation.fooled}/${r.square.impersonation.of} | ${mi(w)} | ${eps(w.dodging)} / ${eps(w.impersonation)} | ${pct(w.at8.rate)} (${pct(w.at8.low)}-${pct(w.at8.high)}) | ${pct(r.successAtMax)} | ${r.doubling.lowered}/${r.doubling.pairs} / ${r.restarts.lowered}/${r.restarts.pairs} |`);
}
md.push('', '## Success vs eps (worst case over attacks, share of attacked pairs fooled)', '', `| defense | ${preset.grid.map((g) => `${g}/255`).join(' | ')} |`, `| --- | ${preset.grid.map(() => '---').join(' | ')} |`);
for (const r of results) md.push(`| ${r.defense} | ${r.worst.curve.map((c) => pct(c.success)).join(' | ')} |`);
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'results.json'), `${JSON.stringify({ preset: args.preset, seed, pairs: attacked, settings: preset, results }, (_k, x) => (x === Infinity ? 'Infinity' : x), 1)}\n`);
writeFileSync(join(out, 'results.md'), `${md.join('\n')}\n`);
log(`done in ${((performance.now() - t0) / 60000).toFixed(1)} min: ${join(out, 'results.md')}`);
