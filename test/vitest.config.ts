import { defineConfig } from 'vitest/config';

// Whole-stack tests: every part as its own process, real ClickHouse/PostgreSQL/Redis/Chromium.
// Files run one at a time: each starts a full stack, which is most of a 2-core machine.
export default defineConfig({
  test: {
    name: 'stack',
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    globalSetup: [
      '../packages/local-clickhouse/src/vitest-global-setup.ts',
      './support/report-setup.ts',
    ],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
