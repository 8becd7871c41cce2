/** @module The Node app in this process, open mode: /v1/verify without a server, for scripts and benches. */
import { createNodeApp } from '../../src/runtime/node.ts';
import { multipart } from './load.ts';

/** A verify function over one in-process app (models load on its first call): parts are files or option fields. */
export function localVerify(): (parts: Record<string, Uint8Array<ArrayBuffer> | string>) => Promise<Response> {
  const app = createNodeApp();
  return async (parts) => {
    const { body, type } = await multipart(parts);
    return app.fetch(new Request('http://local/v1/verify', { method: 'POST', body, headers: { 'content-type': type } }), { PINFACE_AUTH: 'open' });
  };
}
