/**
 * @module Cloudflare Workers adapter: wasm arrives as compiled modules through static imports
 * and models as ArrayBuffers (workers-assets.ts), so nothing is compiled or fetched at run time.
 */
import space from '../../models/immune-space.bin';
import selector from '../../models/pin-selector.bin';
import { createApp } from '../app.ts';
import { workersLimits } from '../config.ts';
import { workersAssets } from './workers-assets.ts';

const app = createApp({ ...workersAssets, space: new Uint8Array(space), selector: new Uint8Array(selector) }, { runtime: 'workerd', limits: workersLimits });

export default app;
