/**
 * @module build: `npm run build` (and `npm pack` through prepack) makes the package's dist/: ESM
 * JavaScript and .d.ts from src/ (tsc, tsconfig.build.json), and beside them, at the same depth
 * as in the repository, the files the code reads by relative path: the models the service uses,
 * the immune space, the learned selector and the prebuilt kernel wasm. Then every relative import
 * in the JavaScript and the declarations names a file that exists in dist/, so the package runs
 * from node_modules in Node, Deno and a Worker bundle alike.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { repoRoot } from './lib/node-models.ts';

const dist = join(repoRoot, 'dist');
const log = (m: string) => console.error(`[pinface] [build] ${m}`);
rmSync(dist, { recursive: true, force: true });
execFileSync(join(repoRoot, 'node_modules', '.bin', 'tsc'), ['-p', join(repoRoot, 'tsconfig.build.json')], { stdio: 'inherit' });

// tsc rewrites '.ts' to '.js' in emitted JavaScript but keeps it in declarations: point those at the .d.ts too.
const walk = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
for (const file of walk(dist).filter((f) => f.endsWith('.d.ts'))) {
  const text = readFileSync(file, 'utf8');
  const fixed = text.replace(/((?:from |import\()\s*['"])(\.{1,2}\/[^'"]+)\.ts(['"])/g, '$1$2.js$3');
  if (fixed !== text) writeFileSync(file, fixed);
}

interface Manifest { models: Record<string, { file: string }>; space: { file: string }; selector: { file: string }; pinRecognizer?: { file: string } }
const manifest = JSON.parse(readFileSync(join(repoRoot, 'models', 'manifest.json'), 'utf8')) as Manifest;
const shipped = [
  ...['detect', 'landmark', 'feature'].map((m) => `models/${manifest.models[m]?.file}`),
  `models/${manifest.pinRecognizer?.file ?? 'fr_feature_pin.onnx'}`, // src/runtime imports it: a build without it would not load
  `models/${manifest.space.file}`, `models/${manifest.selector.file}`, 'wasm/build/kernel.wasm',
];
for (const path of shipped) {
  const from = join(repoRoot, path), to = join(dist, path);
  if (!existsSync(from)) throw new Error(`[pinface] [build] ${path} is missing: npm install fetches the models and builds the kernel`);
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
}
const built = walk(dist);
const bytes = built.reduce((s, f) => s + statSync(f).size, 0);
log(`dist/: ${built.length} files, ${(bytes / 2 ** 20).toFixed(1)} MiB (${shipped.map((p) => relative('.', p)).join(', ')} beside the code)`);
