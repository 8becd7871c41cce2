/**
 * @module bench/kernel: `npm run bench:kernel -- [--runs 40] [--k <components>]` — the projection
 * four ways (bench/lib/kernel.ts); also part of `npm run bench`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../scripts/lib/node-models.ts';
import { kernelBench, kernelTable } from './lib/kernel.ts';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '40' }, k: { type: 'string' } } });
const result = await kernelBench(Number(args.runs), args.k === undefined ? undefined : Number(args.k), (s) => console.error(`[pinface] [bench:kernel] ${s}`));
console.log(kernelTable(result).join('\n'));
mkdirSync(join(repoRoot, 'report'), { recursive: true });
writeFileSync(join(repoRoot, 'report', 'kernel-bench.json'), `${JSON.stringify(result, null, 2)}\n`);
