/** @module The repository's own Worker (wrangler.toml main): the pinface app at the root. */
import { createWorkersApp } from '../runtime/workers.ts';

export default createWorkersApp();
