/**
 * @module npx tsx scripts/interpolate-recognizer.ts --from A.onnx --to B.onnx --alpha 0.5 --out C.onnx [--record KEY]
 * A recognizer between two fine-tunings of one network (train/interpolate.ts). The sha256 it
 * prints, with the two inputs' and alpha, is the provenance of a candidate made this way; with
 * --record, models/manifest.json keeps it under KEY (the candidate's file is then committed beside
 * it, so a run that takes many sessions evaluates the same bits on every machine).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { readModel, writeModel } from '../eval/onnx/proto.ts';
import { interpolateModels } from '../train/interpolate.ts';
import { sha256Hex } from './lib/hash.ts';
import { recordInManifest, repoRoot } from './lib/node-models.ts';

const { values: args } = parseArgs({
  options: { from: { type: 'string' }, to: { type: 'string' }, alpha: { type: 'string' }, out: { type: 'string' }, record: { type: 'string' }, 'to-command': { type: 'string' } },
});
const alpha = Number(args.alpha);
if (!args.from || !args.to || !args.out || !(alpha >= 0 && alpha <= 1)) {
  throw new Error('[pinface] [interpolate] usage: --from A.onnx --to B.onnx --alpha 0..1 --out C.onnx [--record KEY [--to-command "how B was made"]]');
}
const fromBytes = new Uint8Array(readFileSync(args.from)), toBytes = new Uint8Array(readFileSync(args.to));
const bytes = writeModel({ ...interpolateModels(readModel(fromBytes), readModel(toBytes), alpha), producer_name: `pinface interpolate alpha ${alpha}` });
writeFileSync(args.out, bytes);
const sha = sha256Hex(bytes);
console.error(`[pinface] [interpolate] ${args.out}: sha256 ${sha}; from ${sha256Hex(fromBytes).slice(0, 12)} to ${sha256Hex(toBytes).slice(0, 12)} at alpha ${alpha}`);
if (args.record) {
  const rel = (p: string) => relative(repoRoot, p);
  recordInManifest(args.record, {
    file: basename(args.out), sha256: sha, bytes: bytes.length,
    interpolation: {
      command: `npx tsx scripts/interpolate-recognizer.ts --from ${rel(args.from)} --to ${rel(args.to)} --alpha ${alpha} --out ${rel(args.out)}`,
      alpha,
      from: { file: basename(args.from), sha256: sha256Hex(fromBytes) },
      to: { file: basename(args.to), sha256: sha256Hex(toBytes), ...(args['to-command'] ? { command: args['to-command'] } : {}) },
    },
  });
  console.error(`[pinface] [interpolate] recorded in models/manifest.json as ${args.record}`);
}
