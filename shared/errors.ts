/**
 * The small set of error classes the pipeline acts on. Each says what to do next:
 * - TransientError: retry (partial batch failure, SQS redelivers with backoff).
 * - PermanentError: no retry can help; record the reason and send to the DLQ.
 * - PolicyRejection is not an error: it is a recorded outcome (see outcomes).
 */
export class CaptureError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export class TransientError extends CaptureError {
  readonly retryable = true as const;
}

export class PermanentError extends CaptureError {
  readonly retryable = false as const;
}

/** Invalid configuration (org registry, environment): fix the file, then start again. */
export class ConfigError extends PermanentError {}

export function isRetryable(error: unknown): boolean {
  if (error instanceof TransientError) return true;
  if (error instanceof PermanentError) return false;
  // Unknown failures (bugs, unexpected SDK errors) are retried; the queue's maxReceiveCount
  // bounds them and the DLQ keeps the message.
  return true;
}

/** A one-line description that never includes a stack trace or a serialised object. */
export function describeError(error: unknown): string {
  if (error instanceof CaptureError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.name;
  return String(error).split('\n')[0] ?? 'unknown error';
}
