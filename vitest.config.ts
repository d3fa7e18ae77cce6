import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { LONG_TESTS } from './test/tiers.ts';

/** `npm test`: every test file but the slow tier (test/tiers.ts), which `npm run test:long` runs. */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: process.env.CAPTURE_TEST_TIER === 'long' ? [] : LONG_TESTS,
    ...(process.env.CAPTURE_TEST_TIER === 'long' ? { include: LONG_TESTS } : {}),
    globalSetup: ['test/support/temp-root.ts'],
    // The slow tier's tests start processes and whole stacks: more room on a busy machine.
    testTimeout: process.env.CAPTURE_TEST_TIER === 'long' ? 120_000 : 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // A worker keeps the modules it loaded from one test file to the next (the AWS SDK, jsforce,
    // mailparser, the emulator): loading them again for every file cost more than the tests.
    // Tests share no module state: each starts its own stack, emulator and stores.
    isolate: false,
    // Most integration files wait on sockets, child processes and batching windows rather than the
    // CPU, so two files per core overlap those waits (vitest's default is one fewer than the cores:
    // a single worker on a 2-core machine). Capped for memory: each fork holds its own stack.
    maxWorkers: Math.min(8, 2 * availableParallelism()),
    // Structured pipeline logs would drown the test report; tests assert on outcomes instead.
    env: { LOG_LEVEL: 'SILENT' },
  },
});
