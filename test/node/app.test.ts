/** The contracts in this process, through the Node adapter's app with the deployment's variables as a Node server passes them. */
import { createNodeApp } from '../../src/runtime/node.ts';
import { TEST_ADMIN_TOKEN, appContract } from '../contract/app-contract.ts';
import { mountHost } from '../contract/mount-host.ts';
import { mountContract } from '../contract/mount-contract.ts';
import { subjectsContract } from '../contract/subjects-contract.ts';

const corsOrigin = 'https://app.example';
const vars = { PINFACE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, PINFACE_CORS_ORIGINS: corsOrigin, PINFACE_RATE_LIMIT: '240', PINFACE_ALLOW_OPTIONS: 'all' };
const host = mountHost(createNodeApp());
const target = () => ({ fetch: (path: string, init?: RequestInit) => Promise.resolve(host.fetch(new Request(`http://local${path}`, init), vars)) });
appContract('node', target);
subjectsContract('node', target, { rateLimitBurst: 60, corsOrigin });
mountContract('node', target, { storageFromBindings: false });
