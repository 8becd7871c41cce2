/**
 * @module npx tsx scripts/embedding-digest.ts [--root <checkout>] [data folder] — one sha256 over what
 * the service answers for a fixed set of faces (embedding, box, landmarks; default pin-threshold, seed
 * 1): 120 LFW images of dev folds 5-8, 80 UTKFace images, and 20 of the LFW faces drawn into 640x480
 * and 1280x960 camera JPEGs. Run it on two checkouts (`git worktree add`, node_modules and models
 * linked): equal digests mean a change left every accuracy and robustness figure as it was, without
 * re-running them.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { cameraJpeg } from '../bench/lib/photos.ts';
import { createDecoders } from '../src/wasm/codecs.ts';
import { multipart } from './lib/load.ts';
import { nodeCodecModules } from './lib/node-codecs.ts';
import { repoRoot } from './lib/node-models.ts';

const { values: args, positionals } = parseArgs({ allowPositionals: true, options: { root: { type: 'string', default: repoRoot } } });
const root = resolve(args.root);
const data = positionals[0] ?? join(repoRoot, '..', 'shared', 'data');
const { createNodeApp } = (await import(join(root, 'src/runtime/node.ts'))) as typeof import('../src/runtime/node.ts');
const app = createNodeApp();

const pairs = readFileSync(join(data, 'dev_pairs.tsv'), 'utf8').trim().split('\n').filter((l) => /^[5-8]\t/.test(l));
const lfw = [...new Set(pairs.flatMap((l) => l.split('\t').slice(2, 4)))].slice(0, 120);
const utk = readdirSync(join(data, 'utkface')).filter((f) => f.endsWith('.jpg')).sort().slice(0, 80).map((f) => join('utkface', f));
const decoders = createDecoders(await nodeCodecModules());
const inputs: Array<[string, Uint8Array<ArrayBuffer>]> = [...lfw, ...utk].map((f) => [f, new Uint8Array(readFileSync(join(data, f)))]);
for (const [i, f] of lfw.slice(0, 20).entries()) {
  const face = await decoders.jpeg(new Uint8Array(readFileSync(join(data, f))));
  inputs.push([`${f} in ${i % 2 ? '1280x960' : '640x480'}`, await cameraJpeg(face, i % 2 ? 1280 : 640, i % 2 ? 960 : 480)]);
}

const digest = createHash('sha256');
let answered = 0;
for (const [name, bytes] of inputs) {
  const { body, type } = await multipart({ image: bytes, defense: 'pin-threshold', seed: '1' });
  const res = await app.fetch(new Request('http://local/v1/embed', { method: 'POST', body, headers: { 'content-type': type } }), { PINFACE_AUTH: 'open' });
  const answer = (await res.json()) as { embedding?: number[]; code?: string; face?: { box: unknown; landmarks: unknown } };
  digest.update(name);
  if (!answer.embedding) {
    digest.update(`${res.status} ${answer.code}`);
    continue;
  }
  digest.update(new Uint8Array(new Float32Array(answer.embedding).buffer));
  digest.update(JSON.stringify([answer.face?.box, answer.face?.landmarks]));
  answered++;
}
console.log(`${root}: ${answered} of ${inputs.length} images embedded; sha256 ${digest.digest('hex')}`);
