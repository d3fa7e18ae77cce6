/**
 * The local stack as the integration tests start it: free ports and short batching windows, so
 * a test waits for the pipeline's work, not for a window to close. What the windows change is
 * only how many messages share a batch; tests about batching set their own.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalStackOptions, startLocalStack } from '#local/stack.ts';

export const TEST_BATCHING_WINDOWS = { intake: 0.05, sync: 0.1 };

export function startTestStack(options: LocalStackOptions = {}) {
  return startLocalStack({
    smtpPort: 0,
    sfPort: 0,
    batchingWindowSeconds: TEST_BATCHING_WINDOWS,
    ...options,
  });
}

/** A registry and a seed written as the files `npm start` reads, in a fresh temp folder. */
export function stackFiles(
  prefix: string,
  registry: object,
  seed: object,
): { dir: string; configPath: string; seedPath: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const configPath = join(dir, 'orgs.json');
  const seedPath = join(dir, 'seed.json');
  writeFileSync(configPath, JSON.stringify(registry));
  writeFileSync(seedPath, JSON.stringify(seed));
  return { dir, configPath, seedPath };
}
