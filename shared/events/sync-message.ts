/**
 * The message the parse stage sends to the sync queue: a pointer to the CapturedEmail in S3 and,
 * when it is small, the CapturedEmail itself.
 */
import * as z from 'zod';

export const SyncMessageSchema = z.object({
  version: z.literal(1),
  orgId: z.string(),
  sesMessageId: z.string(),
  /** S3 key of the CapturedEmail JSON (parsed/…). */
  parsedKey: z.string(),
  /** Message-ID header, for logs and `capture status`. */
  messageId: z.string().nullable(),
  /**
   * The CapturedEmail at `parsedKey`, carried along when small (pipeline.inlineEmailMaxBytes).
   * Validated where it is used; one that does not validate is read from S3 instead.
   */
  email: z.unknown().optional(),
});
export type SyncMessage = z.infer<typeof SyncMessageSchema>;
