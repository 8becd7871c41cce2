/** The test Deno server: the Deno adapter's app inside a host app, at every mount of mount-host.ts (deno serve test/deno/mount-server.ts). */
import { createDenoApp, denoVars } from '../../src/runtime/deno.ts';
import { mountHost } from '../contract/mount-host.ts';

const host = mountHost(createDenoApp());
const vars = denoVars();

export default { fetch: (req: Request) => host.fetch(req, { ...vars }) };
