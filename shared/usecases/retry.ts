/**
 * Retries of a Salesforce call that failed for a moment (TransientError), with exponential
 * backoff and jitter, inside one sync batch. What still fails is the caller's to answer per mail.
 */
import { TransientError } from '../errors.ts';

/** Runs `fn`, again after a transient failure; `what` names the call in logs. */
export type Retry = <T>(what: string, fn: () => Promise<T>) => Promise<T>;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function retrier(options: {
  retries: number;
  backoffMs: number;
  onRetry?: (what: string, error: unknown, attempt: number) => void;
}): Retry {
  return async (what, fn) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        if (!(error instanceof TransientError) || attempt > options.retries) throw error;
        options.onRetry?.(what, error, attempt);
        await sleep(options.backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random()));
      }
    }
  };
}
