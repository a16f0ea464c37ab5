import { defineConfig } from 'vitest/config';

// Unit tests of the harness's pure helpers only; the benchmark itself runs with `npm run bench`.
export default defineConfig({
  test: {
    name: 'bench',
    include: ['*.test.ts', 'lib/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'results/**'],
  },
});
