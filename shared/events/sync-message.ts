/**
 * The message the parse stage sends to the sync queue: the CapturedEmail itself when it is small,
 * otherwise a pointer to it in S3 (parsedKey). parsedKey is set either way: it is where the email
 * is kept if it ends unresolved.
 */
import * as z from 'zod';

export const SyncMessageSchema = z.object({
  version: z.literal(1),
  orgId: z.string(),
  sesMessageId: z.string(),
  /** S3 key of the CapturedEmail JSON (parsed/…): written by parse when the email is not carried here. */
  parsedKey: z.string(),
  /** Message-ID header, for logs and `capture status`. */
  messageId: z.string().nullable(),
  /**
   * When SES received the mail (ISO 8601): each stage's latency, and how long an org's mail has
   * waited, are measured from it; it names the mail's marker among the org's waiting mail.
   */
  receivedAt: z.string().optional(),
  /**
   * The CapturedEmail, carried here when small (pipeline.inlineEmailMaxBytes); validated where it
   * is used (one that does not validate is read from `parsedKey`, and fails if it is not there).
   */
  email: z.unknown().optional(),
});
export type SyncMessage = z.infer<typeof SyncMessageSchema>;
