/**
 * S3 conditional writes (If-None-Match / If-Match): whether a PutObject failed because its
 * condition did not hold, so the caller reads again, rather than because S3 failed.
 */
export function conditionFailed(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  // 412: the condition failed; 409: a concurrent conditional write to the same key is in progress.
  return (
    e.name === 'PreconditionFailed' ||
    e.name === 'ConditionalRequestConflict' ||
    status === 412 ||
    status === 409
  );
}
