/**
 * @module npx tsx scripts/interpolate-recognizer.ts --from A.onnx --to B.onnx --alpha 0.5 --out C.onnx
 * A recognizer between two fine-tunings of one network (train/interpolate.ts). The sha256 it
 * prints, with the two inputs' and alpha, is the provenance of a candidate made this way.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readModel, writeModel } from '../eval/onnx/proto.ts';
import { interpolateModels } from '../train/interpolate.ts';
import { sha256Hex } from './lib/hash.ts';

const { values: args } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' }, alpha: { type: 'string' }, out: { type: 'string' } } });
const alpha = Number(args.alpha);
if (!args.from || !args.to || !args.out || !(alpha >= 0 && alpha <= 1)) {
  throw new Error('[pinface] [interpolate] usage: --from A.onnx --to B.onnx --alpha 0..1 --out C.onnx');
}
const fromBytes = new Uint8Array(readFileSync(args.from)), toBytes = new Uint8Array(readFileSync(args.to));
const bytes = writeModel({ ...interpolateModels(readModel(fromBytes), readModel(toBytes), alpha), producer_name: `pinface interpolate alpha ${alpha}` });
writeFileSync(args.out, bytes);
console.error(`[pinface] [interpolate] ${args.out}: sha256 ${sha256Hex(bytes)}; from ${sha256Hex(fromBytes).slice(0, 12)} to ${sha256Hex(toBytes).slice(0, 12)} at alpha ${alpha}`);
