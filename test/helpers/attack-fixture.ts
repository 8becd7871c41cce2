/**
 * The attack fixture (test/fixtures/attack): 4 genuine and 4 impostor pairs of dev fold 1,
 * aligned by our pipeline as 112x112 gray bytes, and the undefended recognizer's task on them
 * (the first face of each pair attacked against the clean embedding of the second).
 */
import { readFileSync } from 'node:fs';
import type { LinfTask } from '../../eval/attacks/linf.ts';
import type { DifferentiableDefense, Objective } from '../../eval/attacks/objective.ts';

const fixture = (f: string) => readFileSync(new URL(`../fixtures/attack/${f}`, import.meta.url));
export const attackPairs = (JSON.parse(String(fixture('pairs.json'))) as { pairs: Array<{ same: boolean; a: number; b: number }> }).pairs;
const bytes = fixture('faces.u8');
export const fixtureFace = (i: number): Float32Array => Float32Array.from(bytes.subarray(i * 12544, (i + 1) * 12544));

/** `defense`, `rng`: the references seen through a defense (one draw each), as the eval embeds them. */
export async function attackTask(obj: Objective, defense?: DifferentiableDefense, rng?: () => number): Promise<LinfTask> {
  const refs = await obj.embed(attackPairs.map((p) => fixtureFace(p.b)), defense, rng);
  return { faces: attackPairs.map((p) => fixtureFace(p.a)), refs, sign: attackPairs.map((p) => (p.same ? -1 : 1)) };
}
