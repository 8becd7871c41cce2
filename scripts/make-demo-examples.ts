/**
 * @module make-demo-examples: `npm run examples` — the demo page's adversarial panel. PGD (l_inf
 * 2/255) made on the bare original recognizer, the one defense `none` embeds with, on the aligned faces of the
 * attack fixtures (dev fold 1, a tuning fold), rounded to 8-bit PNGs, then checked through the
 * real API in this process (aligned=true, seed 1): an example is kept when the clean pair is
 * decided right with and without PIN, the adversarial one flips the undefended decision, and
 * pin-threshold still decides it right. The PIN modes embed with the projection-aware recognizer, so
 * for them the perturbation is also a transfer; the budget is small because at K = 2500 gray-box PGD
 * at 8/255 gets through PIN (README, "Learning what PIN keeps"). Writes public/examples/ (gitignored: the faces come
 * from LFW, which the product must not ship; `npm run deploy` leaves them out).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pgd } from '../eval/attacks/linf.ts';
import { objective } from '../eval/attacks/objective.ts';
import { gradientRunner } from '../eval/grad/session.ts';
import { encodePng } from '../eval/png.ts';
import { uniform } from '../src/immune/rng.ts';
import { localVerify } from './lib/local-app.ts';
import { repoRoot } from './lib/node-models.ts';

const EPS = 2, SIZE = 112, SEED = '1';
const fixture = (f: string) => readFileSync(join(repoRoot, 'test', 'fixtures', 'attack', f));
const meta = JSON.parse(String(fixture('pairs.json'))) as { faces: string[]; pairs: Array<{ same: boolean; a: number; b: number }> };
const bytes = fixture('faces.u8');
const face = (i: number) => Float32Array.from(bytes.subarray(i * SIZE * SIZE, (i + 1) * SIZE * SIZE));
const u8 = (f: Float32Array) => Uint8Array.from(f, (v) => Math.max(0, Math.min(255, Math.round(v))));
const png = (px: Uint8Array) => encodePng(px, SIZE, SIZE, 1);

const obj = objective(await gradientRunner(new Uint8Array(readFileSync(join(repoRoot, 'models', 'fr_feature.onnx')))));
const refs = await obj.embed(meta.pairs.map((p) => face(p.b)));
const task = { faces: meta.pairs.map((p) => face(p.a)), refs, sign: meta.pairs.map((p) => (p.same ? -1 : 1)) };
const adversarial = (await pgd(obj, task, EPS, { rng: uniform(1) })).map((f) => u8(f as Float32Array));

const post = localVerify();
const verify = async (a: Uint8Array, b: Uint8Array, defense: string): Promise<{ match: boolean; similarity: number; threshold: number }> => {
  const res = await post({ source: png(a), target: png(b), aligned: 'true', defense, seed: SEED });
  if (res.status !== 200) throw new Error(`[pinface] [examples] verify answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as { match: boolean; similarity: number; threshold: number };
};

const out = join(repoRoot, 'public', 'examples');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const examples = [];
for (const [i, p] of meta.pairs.entries()) {
  const clean = u8(face(p.a)), partner = u8(face(p.b)), adv = adversarial[i] as Uint8Array;
  const r = {
    clean: { none: await verify(clean, partner, 'none'), pin: await verify(clean, partner, 'pin-threshold') },
    adversarial: { none: await verify(adv, partner, 'none'), pin: await verify(adv, partner, 'pin-threshold') },
  };
  const right = (x: { match: boolean }) => x.match === p.same;
  const kept = right(r.clean.none) && right(r.clean.pin) && !right(r.adversarial.none) && right(r.adversarial.pin);
  console.log(`[pinface] [examples] pair ${i} (${p.same ? 'genuine, dodging' : 'impostor, impersonation'}): none ${r.clean.none.similarity.toFixed(3)} -> ${r.adversarial.none.similarity.toFixed(3)}, pin-threshold ${r.clean.pin.similarity.toFixed(3)} -> ${r.adversarial.pin.similarity.toFixed(3)}${kept ? '  kept' : ''}`);
  if (!kept) continue;
  const id = `pair${i}`;
  const perturbation = Uint8Array.from(adv, (v, j) => Math.max(0, Math.min(255, 127 + 10 * (v - (clean[j] as number)))));
  for (const [name, px] of [['clean', clean], ['adversarial', adv], ['perturbation', perturbation], ['partner', partner]] as const) writeFileSync(join(out, `${id}-${name}.png`), png(px));
  examples.push({ id, kind: p.same ? 'dodging' : 'impersonation', same: p.same, eps: EPS, seed: Number(SEED), measured: r });
}
writeFileSync(join(out, 'examples.json'), `${JSON.stringify({
  note: `PGD l_inf ${EPS}/255 made on the bare original recognizer (the one defense none uses; PIN modes embed with the projection-aware one), aligned 112x112 faces of dev fold 1. ${examples.length} of ${meta.pairs.length} pairs flip the undefended decision and hold under pin-threshold at seed ${SEED}.`,
  examples,
}, null, 2)}\n`);
console.log(`[pinface] [examples] ${examples.length} of ${meta.pairs.length} pairs kept -> ${out}`);
