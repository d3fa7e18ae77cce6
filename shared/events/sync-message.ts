/** The small pointer message the parse stage sends to the sync queue; the CapturedEmail itself is in S3. */
import * as z from 'zod';

export const SyncMessageSchema = z.object({
  version: z.literal(1),
  orgId: z.string(),
  sesMessageId: z.string(),
  /** S3 key of the CapturedEmail JSON (parsed/…). */
  parsedKey: z.string(),
  /** Message-ID header, for logs and `capture status`. */
  messageId: z.string().nullable(),
});
export type SyncMessage = z.infer<typeof SyncMessageSchema>;
