import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Structured pipeline logs would drown the test report; tests assert on outcomes instead.
    env: { LOG_LEVEL: 'SILENT' },
  },
});
