import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Compute-bound tests (attacks, gradients) run minutes when the 2 cores are shared: the timeout
    // is there to catch hangs, not to time work.
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
