/**
 * The local stack as the integration tests start it: free ports and short batching windows, so
 * a test waits for the pipeline's work, not for a window to close. What the windows change is
 * only how many messages share a batch; tests about batching set their own.
 */
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
