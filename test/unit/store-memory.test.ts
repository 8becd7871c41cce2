/** The store driver suite on the in-memory driver. */
import { describe, it } from 'vitest';
import { memoryStore } from '../../src/store/memory.ts';
import { storeCases } from '../contract/store-contract.ts';

describe('store driver: memory', () => {
  const store = memoryStore();
  for (const c of storeCases) it(c.name, () => c.run(store));
});
