import { createNodeApp } from '../../src/runtime/node.ts';
import { appContract } from '../contract/app-contract.ts';

const app = createNodeApp();
appContract('node', () => ({ fetch: (path, init) => Promise.resolve(app.request(path, init)) }));
