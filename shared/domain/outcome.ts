/**
 * Every received message ends in exactly one recorded outcome per org it was captured for.
 * Outcomes are written to S3 under outcomes/ and read by `capture status` and the local page.
 */
import * as z from 'zod';

/** A Task written (or already there), nothing to write it for, or the message stopped on purpose or by error. */
const WRITTEN = ['created', 'duplicate'] as const;
const NOT_WRITTEN = ['unmatched', 'excluded', 'quarantined', 'rejected', 'failed'] as const;
export const OutcomeKind = z.enum([...WRITTEN, ...NOT_WRITTEN]);
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
  /** Parse warnings (`code: detail`), e.g. what a parse budget cut short; absent when there were none. */
  warnings: z.array(z.string()).optional(),
  /**
   * For a created Task: which rule chose its Who (`single`, `context`, `policy:oldest`…) and its
   * What (`sub-address`, `ref`, `order-number`, `thread`, `opportunity`, `account`, `none`).
   */
  matchedBy: z
    .object({ who: z.string(), what: z.string(), unchecked: z.array(z.string()).optional() })
    .optional(),
});
export type OutcomeRecord = z.infer<typeof OutcomeRecordSchema>;

/**
 * Whether a newly decided outcome may replace the recorded one. The first `created` stays:
 * a redelivery or replay that finds the Task it made says `duplicate`, which would hide that
 * this message is the one that created it. Anything else may be replaced (a `failed` that
 * later succeeds, an `unmatched` replayed once the contact exists).
 */
export function replacesRecorded(recorded: OutcomeRecord | null): boolean {
  return recorded?.outcome !== 'created';
}
