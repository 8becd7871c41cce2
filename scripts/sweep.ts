/**
 * @module sweep: `npm run sweep [-- --data <dir>] [--ks 500,1000,1500] [--formats f32,f16,i8]`
 * measures what the immune space costs honest logins. Step 1 tunes pin-threshold's lambda on
 * the tuning folds (1-4, people the space may have been fitted on): the largest lambda whose
 * clean accuracy stays within 1 point of no defense. Step 2 reports, on the evaluation folds
 * (5-8, people never fitted on), clean accuracy and TAR@FAR=1e-3 for none / topk / pin-threshold
 * over K and storage format. Masks are Bernoulli draws (the service default), seeded per image.
 * Writes report/immune-sweep.json and prints the README's markdown table.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultDefense } from '../src/config.ts';
import { createProjector, type DefenseConfig } from '../src/immune/project.ts';
import { parseSpace, serializeSpace, type BasisFormat, type ImmuneSpace } from '../src/immune/space-file.ts';
import { metrics, pairFaces, scoreDefense, type Metrics } from './lib/defense-eval.ts';
import { EVAL_FOLDS, latestFullFit } from './lib/fit-faces.ts';
import { nodeKernel } from './lib/node-kernel.ts';
import { nodeRunner, repoRoot } from './lib/node-models.ts';
import { readPairs } from './lib/pairs.ts';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: join(repoRoot, '..', 'shared', 'data') },
    space: { type: 'string' },
    ks: { type: 'string', default: '500,1000,1500' },
    formats: { type: 'string', default: 'f32,f16,i8' },
    lambdas: { type: 'string', default: '0.0000003,0.000001,0.000003,0.00001' },
    'tune-k': { type: 'string', default: '1500' },
    'max-loss': { type: 'string', default: '0.01' },
  },
});
const list = (s: string | undefined): string[] => (s ?? '').split(',').filter(Boolean);
const ks = list(args.ks).map(Number), formats = list(args.formats) as BasisFormat[], lambdas = list(args.lambdas).map(Number);
const log = (m: string): void => console.error(`[pinface] [sweep] ${m}`);
const pct = (x: number): string => (100 * x).toFixed(2);

const dataDir = resolve(args.data);
const spacePath = args.space ?? latestFullFit();
const full = parseSpace(new Uint8Array(readFileSync(spacePath)));
log(`space ${spacePath}: k=${full.k}, fitted on ${full.faces} faces`);
const truncated = (k: number, format: BasisFormat): ImmuneSpace => {
  if (k > full.k) throw new Error(`k=${k} exceeds the fitted ${full.k}`);
  const basis = new Float32Array(full.basis.buffer, full.basis.byteOffset, k * full.d);
  return parseSpace(serializeSpace({ ...full, k, variances: full.variances.subarray(0, k), basis }, format));
};

const kernel = await nodeKernel();
const feature = await nodeRunner('fr_feature.onnx', 2);
const allPairs = readPairs(dataDir);
const tunePairs = allPairs.filter((p) => !EVAL_FOLDS.includes(p.fold));
const evalPairs = allPairs.filter((p) => EVAL_FOLDS.includes(p.fold));
const [tune, evaluation] = [await pairFaces(dataDir, tunePairs), await pairFaces(dataDir, evalPairs)];

const measure = async (pf: typeof tune, space: ImmuneSpace, cfg: Partial<DefenseConfig>, label: string): Promise<Metrics> => {
  const project = createProjector(kernel, space, { ...defaultDefense, topk: space.k, ...cfg });
  const mode = cfg.mode ?? 'none';
  return metrics(await scoreDefense(pf, project, feature, { mode, sampled: mode === 'pin-threshold', seed: 1 }, label));
};

// Step 1: lambda on the tuning folds.
const tuneK = Number(args['tune-k']);
const tuneSpace = truncated(tuneK, 'f32');
const tuneNone = await measure(tune, tuneSpace, { mode: 'none' }, 'tune none');
const tuning: { lambda: number; metrics: Metrics }[] = [];
for (const lambda of lambdas) {
  const m = await measure(tune, tuneSpace, { mode: 'pin-threshold', lambda }, `tune lambda=${lambda}`);
  tuning.push({ lambda, metrics: m });
  log(`lambda ${lambda}: accuracy ${pct(m.accuracy)} (none ${pct(tuneNone.accuracy)}), kept ${m.meanKept.toFixed(0)} of ${tuneK}`);
}
const ok = tuning.filter((t) => tuneNone.accuracy - t.metrics.accuracy <= Number(args['max-loss']));
const lambda = (ok.length ? ok[ok.length - 1] : tuning[0])?.lambda ?? defaultDefense.lambda;
log(`chosen lambda ${lambda} (largest within ${pct(Number(args['max-loss']))} points of no defense on folds 1-4)`);

// Step 2: the table on the evaluation folds.
const rows: { k: number; format: BasisFormat; basisBytes: number; topk: Metrics; pin: Metrics }[] = [];
const none = await measure(evaluation, tuneSpace, { mode: 'none' }, 'eval none');
for (const k of ks) {
  for (const format of formats) {
    const space = truncated(k, format);
    const topk = await measure(evaluation, space, { mode: 'topk' }, `eval k=${k} ${format} topk`);
    const pin = await measure(evaluation, space, { mode: 'pin-threshold', lambda }, `eval k=${k} ${format} pin-threshold`);
    rows.push({ k, format, basisBytes: space.basis.byteLength, topk, pin });
    log(`k=${k} ${format}: topk ${pct(topk.accuracy)} / pin ${pct(pin.accuracy)} (none ${pct(none.accuracy)})`);
  }
}

mkdirSync(join(repoRoot, 'report'), { recursive: true });
const out = { space: spacePath, fittedK: full.k, evalFolds: EVAL_FOLDS, tuning: { none: tuneNone, lambdas: tuning, chosen: lambda }, none, rows };
writeFileSync(join(repoRoot, 'report', 'immune-sweep.json'), `${JSON.stringify(out, null, 2)}\n`);

console.log(`\nlambda tuning (folds 1-4, K=${tuneK} f32): none ${pct(tuneNone.accuracy)} %`);
console.log('| lambda | accuracy % | TAR@1e-3 % | kept |\n|---|---|---|---|');
for (const t of tuning) console.log(`| ${t.lambda} | ${pct(t.metrics.accuracy)} | ${pct(t.metrics.tarAtFar1e3)} | ${t.metrics.meanKept.toFixed(0)} |`);
console.log(`\nevaluation folds ${EVAL_FOLDS.join(',')} (${evalPairs.length} pairs), pin-threshold lambda ${lambda}; none: accuracy ${pct(none.accuracy)} ± ${pct(none.accuracyStd)}, TAR@1e-3 ${pct(none.tarAtFar1e3)}`);
console.log('| K | format | basis MiB | topk acc % | topk TAR@1e-3 % | pin-threshold acc % | pin-threshold TAR@1e-3 % | kept (mean) |\n|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.k} | ${r.format} | ${(r.basisBytes / 2 ** 20).toFixed(1)} | ${pct(r.topk.accuracy)} | ${pct(r.topk.tarAtFar1e3)} | ${pct(r.pin.accuracy)} | ${pct(r.pin.tarAtFar1e3)} | ${r.pin.meanKept.toFixed(0)} |`);
}
