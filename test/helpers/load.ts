/** What a short load run must show, in any runtime: every request answered 2xx, no template lost. */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { runLoad, type LoadOptions } from '../../scripts/lib/load.ts';

const face = (name: string): Uint8Array<ArrayBuffer> => new Uint8Array(readFileSync(new URL(`../fixtures/faces/${name}`, import.meta.url)));

export async function expectCleanLoad(o: Omit<LoadOptions, 'faces'>): Promise<void> {
  const report = await runLoad({ ...o, faces: { a1: face('person-a-1.jpg'), a2: face('person-a-2.jpg') } });
  expect(report.levels).toHaveLength(2 * o.concurrencies.length);
  for (const l of report.levels) {
    expect(l, `${l.endpoint} at ${l.concurrency}`).toMatchObject({ requests: o.requests, ok: o.requests, errors: 0 });
    expect(l.p99).toBeGreaterThanOrEqual(l.p50);
  }
  expect(report.integrity.errors).toEqual([]);
  expect(report.integrity).toMatchObject({ enrolled: o.enrolments, verified: o.enrolments, missing: [] });
  expect(report.integrity.templatesAfter).toBe(report.integrity.templatesBefore + o.enrolments);
  expect(report.peakRssMb).toBeGreaterThan(0);
}
