import { defineConfig } from 'vitest/config';

// Deployment artefacts: images, compose, Kubernetes manifests, Prometheus rules (no servers).
export default defineConfig({
  test: {
    name: 'deploy',
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
