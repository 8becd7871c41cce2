/** The test Worker: the Workers adapter's app inside a host app, at every mount of mount-host.ts (wrangler dev test/workerd/mount-worker.ts). */
import { createWorkersApp } from '../../src/runtime/workers.ts';
import { mountHost } from '../contract/mount-host.ts';

export default mountHost(createWorkersApp());
