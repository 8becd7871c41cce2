/**
 * @module calibrate: `npm run calibrate [-- <dataDir>] [--seed 1] [--replicates 400]`. Every image
 * of the data folder goes through the product's own pipeline (decode -> detect -> landmarks ->
 * align, largest face), then each defense mode with the masks the service draws (one seeded draw
 * per image) and the recognizer. Per mode it scores every pair of the calibration people (LFW
 * dev people outside dev folds 5-8, and the fit part of UTKFace, each UTKFace image a person of
 * its own), sets a threshold for each false-accept level from all of their impostor pairs, with a
 * bootstrap over people for its interval, and writes them into models/manifest.json. The report
 * set (people of dev folds 5-8, UTKFace's held-out part) is never used for a threshold: on it,
 * the realized FAR at each threshold, TAR, LFW-protocol accuracy and the identity the defense
 * keeps go to report/calibration/results.{json,md}.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultDefense } from '../src/config.ts';
import { CHANNEL_LAYOUT } from '../src/analyze.ts';
import { createProjector } from '../src/immune/project.ts';
import type { DefenseMode } from '../src/immune/selectors.ts';
import { parseSpace } from '../src/immune/space-file.ts';
import { farInterval, wilson, type Accepted, type Interval } from './lib/calibration/bootstrap.ts';
import { batchRecognizer, EMBEDDING, embedMode } from './lib/calibration/embed.ts';
import { countAtLeast, exactThreshold, coarseThreshold, groupOnly, highImpostors, impostorsAtLeast, pairSet, scanPairs, type HighImpostors } from './lib/calibration/pairs.ts';
import { population, subset, type Source } from './lib/calibration/population.ts';
import { calibrationMarkdown, type ModeReport } from './lib/calibration/report.ts';
import { alignedFaces, EVAL_FOLDS } from './lib/fit-faces.ts';
import { nodeKernel } from './lib/node-kernel.ts';
import { manifestPath, recordInManifest, repoRoot, servedRecognizerPaths, shippedSelector } from './lib/node-models.ts';
import { foldAccuracy, readPairs, type Scored } from './lib/pairs.ts';
import { sha256Hex } from './lib/hash.ts';

export const FAR_LEVELS = [1e-2, 1e-3, 1e-4, 1e-5] as const;
const DEFAULT_FAR = 1e-3;

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    seed: { type: 'string', default: '1' }, replicates: { type: 'string', default: '400' }, out: { type: 'string' }, dry: { type: 'boolean', default: false },
    // Candidates for the README's table (K x fitting data x recognizer): another space or projection-aware recognizer, some modes; with --dry --out.
    space: { type: 'string' }, recognizer: { type: 'string' }, modes: { type: 'string' },
  },
});
const seed = Number(args.seed), replicates = Number(args.replicates);
// Thresholds of a candidate space or recognizer never go into the shipped manifest.
const dry = args.dry || args.space !== undefined || args.recognizer !== undefined || args.modes !== undefined;
const dataDir = resolve(positionals[0] ?? join(repoRoot, '..', 'shared', 'data'));
const t0 = performance.now();

// biome-ignore lint/suspicious/noExplicitAny: the manifest is read and rewritten as plain JSON
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, any>;
const spacePath = resolve(args.space ?? join(repoRoot, 'models', 'immune-space.bin'));
const spaceBytes = new Uint8Array(readFileSync(spacePath));
const space = parseSpace(spaceBytes);
// The learned selector only fits the space it was trained for.
const selector = shippedSelector(space.k);
const MODES: DefenseMode[] = args.modes ? args.modes.split(',') as DefenseMode[] : ['none', 'topk', 'pin-threshold', ...(selector ? ['pin-learned' as const] : [])];
if (!MODES.includes('none')) MODES.unshift('none'); // identity kept is measured against it
const served = servedRecognizerPaths();
const cleanRecognizer = served.clean;
const pinRecognizerPath = args.recognizer ? resolve(args.recognizer) : served.projecting;
const sha = (path: string): string => sha256Hex(readFileSync(path));
const recognizers = { none: cleanRecognizer, projecting: pinRecognizerPath };

const pop = population(dataDir);
const { faces, index } = await alignedFaces(dataDir, pop.paths, false);
const hasFace = (i: number): boolean => (index[i] as number) >= 0;
const withFace = Int32Array.from(pop.paths.map((_, i) => i).filter(hasFace));
/** Position of image i among the images with a face: its embedding row. */
const rowOf = new Int32Array(pop.paths.length).fill(-1);
withFace.forEach((img, r) => { rowOf[img] = r; });
const rows = (images: Int32Array): Int32Array => images.map((i) => rowOf[i] as number);
const personOfRow = withFace.map((i) => pop.person[i] as number);

const cal = subset(pop, hasFace, 'calibration');
const report = { lfw: subset(pop, hasFace, 'report', 'lfw'), utk: subset(pop, hasFace, 'report', 'utk') };
const sourceOfPerson: Source[] = [];
pop.paths.forEach((_, i) => { sourceOfPerson[pop.person[i] as number] = pop.source[i] as Source; });
const peopleIn = (images: Int32Array, source?: Source): Float64Array => {
  const c = new Float64Array(pop.people);
  for (const i of images) if (source === undefined || pop.source[i] === source) c[pop.person[i] as number] = (c[pop.person[i] as number] as number) + 1;
  return c;
};
const count = (c: Float64Array): number => c.reduce((a, v) => a + (v > 0 ? 1 : 0), 0);
const calPeople = peopleIn(cal), calPeopleBy = { lfw: peopleIn(cal, 'lfw'), utk: peopleIn(cal, 'utk') };
const reportPeople = { lfw: count(peopleIn(report.lfw)), utk: count(peopleIn(report.utk)) };
const noFace = { lfw: pop.paths.filter((_, i) => pop.source[i] === 'lfw' && !hasFace(i)), utk: pop.paths.filter((_, i) => pop.source[i] === 'utk' && !hasFace(i)) };
console.error(`[pinface] [calibrate] ${pop.paths.length} images, ${withFace.length} with a face; calibration ${cal.length} images of ${count(calPeople)} people, report ${report.lfw.length} LFW images of ${reportPeople.lfw} people + ${report.utk.length} UTKFace images`);

const kernel = await nodeKernel();
const project = createProjector(kernel, space, defaultDefense, selector);
const recognizeClean = await batchRecognizer(new Uint8Array(readFileSync(recognizers.none)), 2);
const recognizeDefended = recognizers.projecting === recognizers.none ? recognizeClean : await batchRecognizer(new Uint8Array(readFileSync(recognizers.projecting)), 2);
const recognizerSha = { none: sha(recognizers.none), projecting: sha(recognizers.projecting) };
const spaceSha = sha256Hex(spaceBytes);
const cacheKey = [recognizerSha.none, recognizerSha.projecting, spaceSha, selector ? manifest.selector?.sha256 : '', JSON.stringify(defaultDefense), dataDir].join('\n');

/** The official pairs of the report folds, for LFW-protocol accuracy and TAR on the pairs everyone reports. */
const officialPairs = readPairs(dataDir).filter((p) => EVAL_FOLDS.includes(p.fold));
const imageOf = new Map(pop.paths.map((p, i) => [p, i]));
const cosineRows = (e: Float32Array, a: number, b: number): number => {
  let s = 0;
  for (let j = 0; j < EMBEDDING; j++) s += (e[a * EMBEDDING + j] as number) * (e[b * EMBEDDING + j] as number);
  return s;
};

/** Impostor pairs by population: both people from LFW, both from UTKFace, or one of each. */
const GROUPS = ['lfw', 'utk', 'cross'] as const;
const groupOf = (a: number, b: number): number => (sourceOfPerson[a] !== sourceOfPerson[b] ? 2 : sourceOfPerson[a] === 'lfw' ? 0 : 1);

/** The accepted impostor pairs at a threshold, within one source or pooled. */
const acceptedAt = (high: HighImpostors, t: number, source?: Source): Accepted => {
  if (source === undefined) return { personA: high.personA, personB: high.personB, count: countAtLeast(high.score, t) };
  const a: number[] = [], b: number[] = [];
  for (let i = 0; i < high.score.length && (high.score[i] as number) >= t; i++) {
    if (sourceOfPerson[high.personA[i] as number] === source && sourceOfPerson[high.personB[i] as number] === source) { a.push(high.personA[i] as number); b.push(high.personB[i] as number); }
  }
  return { personA: Int32Array.from(a), personB: Int32Array.from(b), count: a.length };
};
/** Impostor pairs among the calibration images of one source, in closed form from images per person. */
const impostorPairs = (c: Float64Array): number => {
  let s = 0, s2 = 0;
  for (const v of c) { s += v; s2 += v * v; }
  return (s * s - s2) / 2;
};
/** cosine(f(x), f(D(x))) per image: how much of the face's identity the defense keeps, no labels needed. */
const identityKept = (clean: Float32Array, defended: Float32Array, images: Int32Array) => {
  const c = Array.from(images, (i) => {
    const r = rowOf[i] as number;
    let s = 0;
    for (let j = 0; j < EMBEDDING; j++) s += (clean[r * EMBEDDING + j] as number) * (defended[r * EMBEDDING + j] as number);
    return s;
  }).sort((a, b) => a - b);
  return { mean: c.reduce((a, b) => a + b, 0) / c.length, p05: c[Math.floor(0.05 * (c.length - 1))] as number, images: c.length };
};
const frac = (scores: Float32Array, t: number): number => scores.reduce((a, s) => a + (s >= t ? 1 : 0), 0) / scores.length;

const modes: Record<string, ModeReport> = {};
let clean: Float32Array | undefined;
for (const mode of MODES) {
  const { embeddings, meanKept } = await embedMode(faces, withFace.map((i) => index[i] as number), mode, project, mode === 'none' ? recognizeClean : recognizeDefended, seed, cacheKey);
  if (mode === 'none') clean = embeddings;
  const calSet = pairSet(embeddings, rows(cal), personOfRow);
  console.error(`[pinface] [calibrate] ${mode}: scoring every pair of ${calSet.n} calibration images`);
  const scan = scanPairs(kernel, calSet, GROUPS.length, groupOf);
  const loosest = Math.max(...FAR_LEVELS);
  const high = highImpostors(kernel, calSet, Math.min(...GROUPS.map((_, g) => coarseThreshold(scan, g, loosest))) - 4 / (1 << 20), groupOf);
  const allImpostors = scan.impostors.reduce((a, b) => a + b, 0);
  // Per level: the threshold that holds the FAR within LFW and within UTKFace, the stricter of the two (pooled, for reference).
  const bySource = (['lfw', 'utk'] as const).map((src) => {
    const g = GROUPS.indexOf(src), only = groupOnly(high, g), n = scan.impostors[g] as number;
    return n > 0 ? FAR_LEVELS.map((far) => exactThreshold(only, n, far)) : undefined;
  });
  const pooledThresholds = FAR_LEVELS.map((far) => exactThreshold(high, allImpostors, far));
  const thresholds = FAR_LEVELS.map((_, l) => Math.max(...bySource.flatMap((t) => (t ? [t[l] as number] : []))));
  const pooled = thresholds.map((t) => acceptedAt(high, t));
  const pooledIntervals = farInterval({ images: calPeople }, pooled, { replicates, seed });
  const prediction = Object.fromEntries((['lfw', 'utk'] as const).map((src) => {
    const acc = thresholds.map((t) => acceptedAt(high, t, src));
    const n = count(calPeopleBy[src]);
    const intervals: Interval[] = n > 0 && reportPeople[src] > 0 ? farInterval({ images: calPeopleBy[src] }, acc, { replicates, seed: seed + 1, mean: reportPeople[src] / n }) : [];
    const pairs = impostorPairs(calPeopleBy[src]);
    return [src, acc.map((a, l) => ({ calibrationFar: pairs > 0 ? a.count / pairs : 0, interval: intervals[l], reportPeople: reportPeople[src] }))];
  }));
  console.error(`[pinface] [calibrate] ${mode}: scoring the report set`);
  const lfwReport = impostorsAtLeast(kernel, pairSet(embeddings, rows(report.lfw), personOfRow), thresholds);
  const utkReport = impostorsAtLeast(kernel, pairSet(embeddings, rows(report.utk), personOfRow), thresholds);
  const official: Scored[] = officialPairs.map((p) => {
    const a = rowOf[imageOf.get(p.a) ?? -1] ?? -1, b = rowOf[imageOf.get(p.b) ?? -1] ?? -1;
    return { fold: p.fold, same: p.same, score: a >= 0 && b >= 0 ? cosineRows(embeddings, a, b) : -1 };
  });
  const officialGenuine = Float32Array.from(official.filter((p) => p.same), (p) => p.score);
  const officialImpostor = Float32Array.from(official.filter((p) => !p.same), (p) => p.score);
  const acc = foldAccuracy(official);
  modes[mode] = {
    meanComponentsKept: Math.round(meanKept),
    levels: FAR_LEVELS.map((far, l) => {
      const t = thresholds[l] as number;
      const k = pooled[l]?.count ?? 0;
      return {
        far, threshold: t,
        calibration: {
          far: k / allImpostors, accepted: k, impostorPairs: allImpostors, wilson: wilson(k, allImpostors), interval: pooledIntervals[l] as Interval,
          thresholds: { lfw: bySource[0]?.[l], utk: bySource[1]?.[l], pooled: pooledThresholds[l] as number },
          tar: frac(scan.genuine, t), genuinePairs: scan.genuine.length,
          prediction: { lfw: prediction.lfw?.[l], utk: prediction.utk?.[l] },
        },
        report: {
          lfw: { far: lfwReport.accepted[l] as number / lfwReport.impostors, accepted: lfwReport.accepted[l] as number, impostorPairs: lfwReport.impostors, tarAllPairs: frac(lfwReport.genuine, t), genuinePairs: lfwReport.genuine.length },
          utk: { far: utkReport.accepted[l] as number / utkReport.impostors, accepted: utkReport.accepted[l] as number, impostorPairs: utkReport.impostors },
          officialPairs: { tar: frac(officialGenuine, t), far: frac(officialImpostor, t), genuine: officialGenuine.length, impostors: officialImpostor.length },
        },
      };
    }),
    lfwProtocol: { accuracy: acc.mean, std: acc.std, folds: EVAL_FOLDS, pairs: official.length },
    identityKept: mode === 'none' || !clean ? null : { utk: identityKept(clean, embeddings, report.utk), lfw: identityKept(clean, embeddings, report.lfw) },
  };
  const d = modes[mode].levels.find((x) => x.far === DEFAULT_FAR);
  console.error(`[pinface] [calibrate] ${mode}: FAR 1e-3 threshold ${d?.threshold}; report TAR ${(100 * (d?.report.officialPairs.tar ?? 0)).toFixed(2)} %, realized FAR LFW ${d?.report.lfw.far.toExponential(2)} UTK ${d?.report.utk.far.toExponential(2)}; LFW accuracy ${(100 * acc.mean).toFixed(2)} %`);
}

const minutes = (performance.now() - t0) / 60_000;
const data = {
  images: pop.paths.length, withFace: withFace.length, noFace: { lfw: noFace.lfw.length, utk: noFace.utk.length },
  calibration: { images: cal.length, people: count(calPeople), lfwPeople: count(calPeopleBy.lfw), utkImages: count(calPeopleBy.utk) },
  report: { lfwImages: report.lfw.length, lfwPeople: reportPeople.lfw, utkImages: report.utk.length, folds: EVAL_FOLDS },
};
const results = {
  generated: new Date().toISOString(), command: `npm run calibrate${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`, minutes: Number(minutes.toFixed(1)), seed, replicates, data, defense: defaultDefense,
  space: { sha256: spaceSha, k: space.k, faces: space.faces }, recognizer: recognizerSha.none, projectingRecognizer: recognizerSha.projecting, modes,
};
const outDir = resolve(args.out ?? (dry ? join(repoRoot, '.cache', 'calibrate', 'dry-run') : join(repoRoot, 'report', 'calibration')));
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(outDir, 'results.md'), calibrationMarkdown(results));

const round6 = (x: number): number => Number(x.toPrecision(6));
const calibration = {
  method: 'per defense mode and false-accept level: the smallest 6-decimal cosine threshold that accepts at most that share of the impostor pairs among the LFW calibration people (LFW dev people outside dev folds 5-8) and at most that share among the UTKFace calibration images (its fit part, each image a person), the stricter of the two; one seeded mask draw per image, as the service draws one per request; 95 % interval of the pooled FAR at that threshold, and per source a prediction interval for a report-sized set of people, by a Poisson bootstrap over people (npm run calibrate)',
  levels: [...FAR_LEVELS], defaultFar: DEFAULT_FAR, channels: CHANNEL_LAYOUT, seed, replicates,
  data, space: spaceSha, recognizer: recognizerSha.none, projectingRecognizer: recognizerSha.projecting, defense: defaultDefense,
  modes: Object.fromEntries(Object.entries(modes).map(([mode, r]) => [mode, {
    threshold: r.levels.find((l) => l.far === DEFAULT_FAR)?.threshold,
    meanComponentsKept: r.meanComponentsKept,
    thresholds: r.levels.map((l) => ({
      far: l.far, threshold: l.threshold, calibrationFar: round6(l.calibration.far), impostorPairs: l.calibration.impostorPairs, bySource: l.calibration.thresholds,
      interval: [round6(l.calibration.interval.lo), round6(l.calibration.interval.hi)], wilson: [round6(l.calibration.wilson.lo), round6(l.calibration.wilson.hi)],
      predictionInterval: Object.fromEntries((['lfw', 'utk'] as const).flatMap((s) => {
        const p = l.calibration.prediction[s];
        return p?.interval ? [[s, { people: p.reportPeople, interval: [round6(p.interval.lo), round6(p.interval.hi)] }]] : [];
      })),
    })),
  }])),
};
if (!dry) recordInManifest('calibration', calibration);
console.log(calibrationMarkdown(results));
console.error(`[pinface] [calibrate] done in ${minutes.toFixed(1)} min; ${dry ? 'manifest left as it was (--dry)' : 'thresholds in models/manifest.json'}, report in ${outDir}`);
