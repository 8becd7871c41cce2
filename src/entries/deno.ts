/**
 * @module The repository's own Deno server:
 * `deno serve --unstable-kv --allow-read --allow-write=.pinface --allow-env --allow-net src/entries/deno.ts`.
 */
import { createDenoApp, denoVars } from '../runtime/deno.ts';

const app = createDenoApp();
const vars = denoVars();

export default { fetch: (req: Request) => app.fetch(req, vars) };
