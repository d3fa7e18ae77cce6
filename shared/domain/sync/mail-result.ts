/**
 * What the sync stage did with one mail: one value per outcome kind, recorded by the sync stage
 * as the mail's outcome. `taskId` names the activity (a Task, or an invite's Event). Members
 * declare the fields they lack as `undefined`, so a reader may ask any result for them. Pure.
 */
import { CaptureError, describeError, isRetryable } from '../../errors.ts';
import type { MatchedBy } from './task-mapping.ts';

interface Common {
  captureId: string;
  /** What the mail asked for and did not get, and why (recorded with the outcome's warnings). */
  notes?: string[];
  /** API requests the mail's org batch made (the same for every mail of the batch). */
  apiCalls?: number;
}

/** A Task completed by a redelivery of its own message, or what became of an invite's Event. */
export type CreatedReason =
  | 'completed-on-retry'
  | 'event-created'
  | 'event-updated'
  | 'event-deleted'
  | 'event-marked-cancelled';

export interface Created extends Common {
  outcome: 'created';
  taskId: string;
  reason?: CreatedReason;
  /** Which rules chose the Task's Who and What (new Tasks only). */
  matchedBy?: MatchedBy;
  retryable?: undefined;
}

export interface Duplicate extends Common {
  outcome: 'duplicate';
  /** The activity that exists; absent when it is not known (an earlier copy in the batch had none). */
  taskId?: string;
  reason: string;
  matchedBy?: undefined;
  retryable?: undefined;
}

export interface NotWritten extends Common {
  outcome: 'unmatched' | 'excluded';
  reason: string;
  taskId?: undefined;
  matchedBy?: undefined;
  retryable?: undefined;
}

export interface Failed extends Common {
  outcome: 'failed';
  /** `CODE: message`, the Salesforce error code first. */
  reason: string;
  code: string;
  retryable: boolean;
  /** The activity, when it was written and what failed came after (its relations or files). */
  taskId?: string;
  matchedBy?: undefined;
}

export type MailResult = Created | Duplicate | NotWritten | Failed;

export function failed(
  captureId: string,
  code: string,
  message: string,
  retryable: boolean,
  taskId?: string,
): Failed {
  return {
    captureId,
    outcome: 'failed',
    reason: `${code}: ${message}`,
    code,
    retryable,
    ...(taskId ? { taskId } : {}),
  };
}

/** A mail failed by a thrown error: its code and whether a retry can help. */
export function failedBy(captureId: string, error: unknown, taskId?: string): Failed {
  const code = error instanceof CaptureError ? error.code : error instanceof Error ? error.name : 'UNKNOWN';
  return {
    captureId,
    outcome: 'failed',
    reason: describeError(error),
    code,
    retryable: isRetryable(error),
    ...(taskId ? { taskId } : {}),
  };
}

/** The result with notes added (none: the same result). */
export function withNotes(result: MailResult, notes: readonly string[]): MailResult {
  return notes.length === 0 ? result : { ...result, notes: [...(result.notes ?? []), ...notes] };
}
