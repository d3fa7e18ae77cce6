import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/temp-root.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most integration files wait on sockets, child processes and batching windows rather than the
    // CPU, so two files per core overlap those waits (vitest's default is one fewer than the cores:
    // a single worker on a 2-core machine). Capped for memory: each fork holds its own stack.
    maxWorkers: Math.min(8, 2 * availableParallelism()),
    // Structured pipeline logs would drown the test report; tests assert on outcomes instead.
    env: { LOG_LEVEL: 'SILENT' },
  },
});
