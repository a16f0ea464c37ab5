import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'local-clickhouse',
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
