import { defineConfig } from 'vitest/config';

// One runner for the repo: each part is a project with its own config beside its code.
export default defineConfig({
  test: {
    projects: ['packages/*', 'api', 'gateway', 'collector', 'dashboard', 'test', 'bench', 'deploy'],
  },
});
