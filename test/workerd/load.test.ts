/** The short load run (npm run load sends 200 per level) against the deployable bundle in workerd (Miniflare, local D1), open mode. */
import { afterAll, beforeAll, it } from 'vitest';
import { startBuiltWorker, type BuiltWorker } from '../contract/built-worker.ts';
import { expectCleanLoad } from '../helpers/load.ts';

let worker: BuiltWorker;
beforeAll(async () => {
  worker = await startBuiltWorker({ PINFACE_AUTH: 'open' });
});
afterAll(() => worker?.stop());

it('serves verify and subject verify at concurrency 1, 8 and 32 without an error, and loses no template under racing enrolments', () =>
  expectCleanLoad({ url: worker.url, pid: worker.rootPid, command: 'workerd', requests: 32, concurrencies: [1, 8, 32], enrolments: 12 }), 300_000);
