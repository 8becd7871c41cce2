/**
 * @module The black-box attacker's view: the real HTTP API (the Node adapter served on
 * 127.0.0.1) and nothing else. A query uploads the candidate photo as lossless PNG next to the
 * partner photo and reads `similarity`, `threshold` and the face boxes from /v1/verify, with the defense the
 * service is asked to apply (randomised ones answer with a fresh mask per query, as in production).
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createNodeApp } from '../../src/runtime/node.ts';
import { encodePng } from '../png.ts';
import type { Box, SquareImage } from './square.ts';

export interface HttpTarget {
  url: string;
  /** Loss to minimise for one pair: below 0 once the service decides the pair wrongly. */
  loss(img: SquareImage, partner: Uint8Array, same: boolean, defense: string): Promise<number>;
  /** The face box the API reports for the source photo (one query, counted like the others). */
  faceBox(img: SquareImage, partner: Uint8Array, defense: string): Promise<Box>;
  queries(): number;
  close(): Promise<void>;
}

export async function startHttpTarget(): Promise<HttpTarget> {
  // Open mode: the black-box attacker is a local client of a local server, not a tenant.
  const app = createNodeApp({ security: { auth: 'open' } });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let count = 0;
  const verify = async (img: SquareImage, partner: Uint8Array, defense: string) => {
    count++;
    const f = new FormData();
    f.append('source', new Blob([encodePng(img.data, img.width, img.height, img.channels as 1 | 3)], { type: 'image/png' }), 'source.png');
    f.append('target', new Blob([partner.slice()]), 'target.jpg');
    f.append('defense', defense);
    const res = await fetch(`${url}/v1/verify`, { method: 'POST', body: f });
    const body = (await res.json()) as { similarity?: number; threshold?: number; code?: string; faces?: { source: { box: Box } } };
    return { status: res.status, body };
  };
  return {
    url,
    async faceBox(img, partner, defense) {
      const { status, body } = await verify(img, partner, defense);
      if (status !== 200 || !body.faces) throw new Error(`[pinface] [eval] /v1/verify answered ${status}: ${JSON.stringify(body)}`);
      return body.faces.source.box;
    },
    async loss(img, partner, same, defense) {
      const { status, body } = await verify(img, partner, defense);
      if (status === 422 && body.code === 'no_face') return same ? -1 : 2; // no face: the service cannot accept the pair
      if (status !== 200 || body.similarity === undefined || body.threshold === undefined) throw new Error(`[pinface] [eval] /v1/verify answered ${status}: ${JSON.stringify(body)}`);
      return same ? body.similarity - body.threshold : body.threshold - body.similarity;
    },
    queries: () => count,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
