/**
 * @module The people calibration and its report are measured on. LFW dev images carry identities
 * (their folder); UTKFace images carry none and count as one person each (random pairs of
 * different UTKFace images are, with overwhelming probability, different people). People of the
 * report folds (dev folds 5-8) and UTKFace's held-out part are the report set; everyone else
 * calibrates.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EVAL_FOLDS } from '../fit-faces.ts';
import { readPairs } from '../pairs.ts';
import { utkPart } from '../utkface.ts';

export const SOURCES = ['lfw', 'utk'] as const;
export type Source = typeof SOURCES[number];
export const ROLES = ['calibration', 'report'] as const;
export type Role = typeof ROLES[number];

export interface Population {
  /** Image paths relative to the data folder, sorted within each source. */
  paths: string[];
  /** Person index per image: LFW folder, or the image itself for UTKFace. */
  person: Int32Array;
  source: Source[];
  role: Role[];
  people: number;
}

/** Images of `dataDir`: lfw/<person>/*.jpg and, when present, utkface/*.jpg. */
export function population(dataDir: string): Population {
  const reportPeople = new Set<string>();
  for (const p of readPairs(dataDir)) {
    if (!EVAL_FOLDS.includes(p.fold)) continue;
    for (const path of [p.a, p.b]) reportPeople.add(path.split('/')[1] as string);
  }
  const paths: string[] = [], person: number[] = [], source: Source[] = [], role: Role[] = [];
  let people = 0;
  for (const name of readdirSync(join(dataDir, 'lfw')).sort()) {
    const files = readdirSync(join(dataDir, 'lfw', name)).filter((f) => /\.jpe?g$/i.test(f)).sort();
    if (files.length === 0) continue;
    for (const f of files) {
      paths.push(`lfw/${name}/${f}`); person.push(people); source.push('lfw'); role.push(reportPeople.has(name) ? 'report' : 'calibration');
    }
    people++;
  }
  const utk = join(dataDir, 'utkface');
  if (existsSync(utk)) {
    for (const f of readdirSync(utk).filter((x) => /\.jpe?g$/i.test(x)).sort()) {
      paths.push(`utkface/${f}`); person.push(people++); source.push('utk'); role.push(utkPart(f) === 'report' ? 'report' : 'calibration');
    }
  }
  return { paths, person: Int32Array.from(person), source, role, people };
}

/** Indices of the images of one role (and source, when given) that have a face. */
export const subset = (pop: Population, hasFace: (i: number) => boolean, role: Role, source?: Source): Int32Array =>
  Int32Array.from(pop.paths.flatMap((_, i) => (pop.role[i] === role && (source === undefined || pop.source[i] === source) && hasFace(i) ? [i] : [])));
