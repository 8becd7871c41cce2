/** The query-only Square attack against the real HTTP API (Node adapter on 127.0.0.1), a few queries. */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpTarget, type HttpTarget } from '../../eval/attacks/http-target.ts';
import { photoFromRgba, squareAttack, type SquareImage } from '../../eval/attacks/square.ts';
import { uniform } from '../../src/immune/rng.ts';
import { decodeImage } from '../../src/pipeline/decode/index.ts';
import { defaultLimits } from '../../src/config.ts';
import { createDecoders } from '../../src/wasm/codecs.ts';
import { nodeCodecModules } from '../../scripts/lib/node-codecs.ts';

const fixture = (p: string) => new Uint8Array(readFileSync(new URL(`../fixtures/faces/${p}`, import.meta.url)));
let target: HttpTarget;
let photo: SquareImage;

beforeAll(async () => {
  target = await startHttpTarget();
  photo = photoFromRgba(await decodeImage(fixture('person-a-1.jpg'), createDecoders(await nodeCodecModules()), defaultLimits));
});
afterAll(async () => { await target.close(); });

describe('Square attack over HTTP', () => {
  it('only ever keeps improvements, stays within eps, and counts its queries', async () => {
    const before = target.queries();
    const r = await squareAttack(photo, (x) => target.loss(x, fixture('person-a-2.jpg'), true, 'none'), { eps: 8, queries: 12, rng: uniform(3) });
    expect(r.queries).toBe(12);
    expect(target.queries() - before).toBe(12);
    for (let i = 1; i < r.history.length; i++) expect(r.history[i]).toBeLessThanOrEqual(r.history[i - 1] as number);
    for (let i = 0; i < r.image.data.length; i++) expect(Math.abs((r.image.data[i] as number) - (photo.data[i] as number))).toBeLessThanOrEqual(8);
    // The pair is genuine and was accepted: the loss starts positive.
    expect(r.history[0]).toBeGreaterThan(0);
  });

  it('with the face box the API reports as region, perturbs inside it only', async () => {
    const partner = fixture('person-a-2.jpg');
    const box = await target.faceBox(photo, partner, 'none');
    expect(box.width).toBeGreaterThan(20);
    const r = await squareAttack(photo, (x) => target.loss(x, partner, true, 'none'), { eps: 8, queries: 6, rng: uniform(4), region: box });
    let inside = 0;
    for (let y = 0; y < photo.height; y++) for (let x = 0; x < photo.width; x++) for (let c = 0; c < 3; c++) {
      const i = (y * photo.width + x) * 3 + c;
      const d = Math.abs((r.image.data[i] as number) - (photo.data[i] as number));
      const within = x >= Math.floor(box.x) && x < Math.ceil(box.x + box.width) && y >= Math.floor(box.y) && y < Math.ceil(box.y + box.height);
      if (within) { expect(d).toBeLessThanOrEqual(8); if (d > 0) inside++; } else expect(d).toBe(0);
    }
    expect(inside).toBeGreaterThan(0);
  });
});
