/**
 * Every received message ends in exactly one recorded outcome per org it was captured for.
 * Outcomes are written to S3 under outcomes/ and read by `capture status` and the local page.
 */
import * as z from 'zod';

export const OutcomeKind = z.enum([
  'created',
  'duplicate',
  'unmatched',
  'excluded',
  'quarantined',
  'rejected',
  'failed',
]);
export type OutcomeKind = z.infer<typeof OutcomeKind>;

export const OutcomeRecordSchema = z.object({
  outcome: OutcomeKind,
  /** Machine-readable reason, e.g. `unknown-token`, `sender-not-allowed`, `auto-reply`, `REQUEST_LIMIT_EXCEEDED`. */
  reason: z.string().nullable(),
  sesMessageId: z.string(),
  orgId: z.string().nullable(),
  messageId: z.string().nullable(),
  subject: z.string().nullable().default(null),
  taskId: z.string().nullable().default(null),
  /** For `failed`: whether a retry can help (the message is retried or sits in the DLQ). */
  retryable: z.boolean().nullable().default(null),
  stage: z.enum(['parse', 'sync']),
  at: z.string(),
});
export type OutcomeRecord = z.infer<typeof OutcomeRecordSchema>;
