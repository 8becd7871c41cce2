import { createNodeApp } from '../../src/runtime/node.ts';
import { TEST_ADMIN_TOKEN, appContract } from '../contract/app-contract.ts';
import { subjectsContract } from '../contract/subjects-contract.ts';

const corsOrigin = 'https://app.example';
const app = createNodeApp({ security: { adminToken: TEST_ADMIN_TOKEN, corsOrigins: [corsOrigin], rateLimit: { perMinute: 240, burst: 60 } } });
const target = () => ({ fetch: (path: string, init?: RequestInit) => Promise.resolve(app.request(path, init)) });
appContract('node', target);
subjectsContract('node', target, { rateLimitBurst: 60, corsOrigin });
