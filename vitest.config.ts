import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'out/**', '.tmp/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Fixed seed for property tests (fast-check reads FC_SEED through test/fc.ts).
    env: { FC_SEED: process.env.FC_SEED ?? '20261123' },
  },
});
