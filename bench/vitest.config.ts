import { defineConfig } from 'vitest/config';

// Tests of the harness's helpers and loaders (small local processes, no load); the benchmark
// itself runs with `npm run bench`.
export default defineConfig({
  test: {
    name: 'bench',
    include: ['*.test.ts', 'lib/**/*.test.ts', 'load/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'results/**'],
  },
});
