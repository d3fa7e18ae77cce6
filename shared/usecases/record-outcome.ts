/**
 * The one place an outcome is written: every stage and every ending (captured, not captured,
 * synced, failed, dead-lettered) goes through recordOutcome, so the record always has one shape.
 */
import type { OutcomeKind, OutcomeRecord } from '../domain/outcome.ts';
import type { OutcomeStore } from '../ports/mail-store.ts';

export interface OutcomeFields {
  outcome: OutcomeKind;
  reason: string | null;
  sesMessageId: string;
  orgId: string | null;
  messageId: string | null;
  subject?: string | null;
  taskId?: string | null;
  /** For `failed`: whether a retry can help. */
  retryable?: boolean | null;
  /** Parse warnings travel with the outcome, so a capture cut short is never reported as whole. */
  warnings?: string[];
  /** For a created Task: which rules chose its Who and What. */
  matchedBy?: OutcomeRecord['matchedBy'];
}

export async function recordOutcome(
  outcomes: OutcomeStore,
  stage: 'parse' | 'sync',
  fields: OutcomeFields,
  now: () => Date = () => new Date(),
): Promise<void> {
  const { warnings, matchedBy, ...rest } = fields;
  await outcomes.record({
    ...rest,
    subject: fields.subject ?? null,
    taskId: fields.taskId ?? null,
    retryable: fields.retryable ?? null,
    stage,
    at: now().toISOString(),
    ...(warnings && warnings.length > 0 ? { warnings: warnings.slice(0, 20) } : {}),
    ...(matchedBy ? { matchedBy } : {}),
  });
}
