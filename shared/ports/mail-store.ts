import type { Readable } from 'node:stream';
import { pipeline } from '../config/pipeline.ts';
import type { CapturedEmail } from '../domain/captured-email.ts';
import type { OutcomeRecord } from '../domain/outcome.ts';

/** Where received mail and what the pipeline made of it live (S3 in AWS and locally). */
export interface MailStore {
  /**
   * A raw message as SES stored it: whole when small (pipeline.rawReadWholeMaxBytes), else a
   * stream. Throws PermanentError when the object is gone.
   */
  openRaw(key: string): Promise<Buffer | Readable>;
  putParsed(key: string, email: CapturedEmail): Promise<void>;
  /** Reads and validates a CapturedEmail. Throws PermanentError when missing or of an unknown version. */
  getParsed(key: string): Promise<CapturedEmail>;
  /** Keeps an unmatched message for `capture replay --unresolved`. */
  putUnresolved(orgId: string, sesMessageId: string, parsedKey: string): Promise<void>;
  listUnresolved(orgId?: string): Promise<{ orgId: string; sesMessageId: string; parsedKey: string }[]>;
  /** One unresolved message, or null when it is not (or no longer) waiting. */
  getUnresolved(
    orgId: string,
    sesMessageId: string,
  ): Promise<{ orgId: string; sesMessageId: string; parsedKey: string } | null>;
  deleteUnresolved(orgId: string, sesMessageId: string): Promise<void>;
}

/**
 * One recorded outcome per (org, received message). A later outcome replaces an earlier one,
 * except that a `created` outcome is kept (see `replacesRecorded`): a redelivered message that
 * finds its own Task never turns `created` into `duplicate`.
 */
export interface OutcomeStore {
  record(outcome: OutcomeRecord): Promise<void>;
  get(orgId: string | null, sesMessageId: string): Promise<OutcomeRecord | null>;
  list(): Promise<OutcomeRecord[]>;
}

/** How one message is sent, beyond its body and attributes. */
export interface SendOptions {
  /**
   * The message's group: on the sync queue, the org. On a standard queue SQS uses it to keep one
   * group's backlog from delaying the others (fair queues); docs/fairness.md.
   */
  groupId?: string;
  /** Seconds before the message can be received (0 to 900). */
  delaySeconds?: number;
}

/** A queue the pipeline sends to (sync queue, DLQs). */
export interface MessageQueue {
  send(body: unknown, attributes?: Record<string, string>, options?: SendOptions): Promise<void>;
}

/**
 * A stage's DLQ: takes a message's original body unchanged (so AWS's own redrive and
 * `capture replay --dlq` both hand the stage exactly what it failed on) and string attributes.
 * The sync stage hands mail back to its own queue the same way (a copy of the message, sent
 * again, later).
 */
export interface DeadLetterQueue {
  sendOriginal(body: string, attributes: Record<string, string>, options?: SendOptions): Promise<void>;
}

/**
 * Which queue messages a stage has already dead-lettered, by SQS message id (a redelivery keeps
 * it; a replay gets a new one). When a handler dead-letters a record and its invocation then
 * fails, SQS hands the record back: this keeps it from reaching the DLQ a second time.
 */
export interface DeadLetterMarks {
  wasDeadLettered(stage: 'parse' | 'sync', queueMessageId: string): Promise<boolean>;
  markDeadLettered(stage: 'parse' | 'sync', queueMessageId: string): Promise<void>;
}

export const mailKeys = {
  parsed: (orgId: string, sesMessageId: string) => `parsed/${orgId}/${sesMessageId}.json`,
  outcome: (orgId: string | null, sesMessageId: string) =>
    `outcomes/${orgId ?? '_none'}/${sesMessageId}.json`,
  /** Per-message folders of the outcome index: one entry per org under each. */
  indexBySesId: (sesMessageId: string) => `index/ses/${sesMessageId}/`,
  indexByMessageId: (messageIdHash: string) => `index/message-id/${messageIdHash}/`,
  /** Under index/, so it expires with the outcomes; both stages write index/ already. */
  deadLettered: (stage: string, queueMessageId: string) =>
    `${pipeline.keys.deadLettered}${stage}/${queueMessageId}.json`,
  unresolved: (orgId: string, sesMessageId: string) => `unresolved/${orgId}/${sesMessageId}.json`,
  attachment: (orgId: string, sesMessageId: string, index: number) =>
    `attachments/${orgId}/${sesMessageId}/${index}`,
};
