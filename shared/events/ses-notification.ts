/**
 * The SES receipt notification published by the S3 action, as it arrives in the intake queue:
 * an SQS record whose body is an SNS envelope whose `Message` is the SES JSON. Powertools'
 * SesSchema only fits the Lambda action, so the S3 action's shape is described here.
 */
import * as z from 'zod';

const Verdict = z.object({ status: z.string() }).catch({ status: 'GRAY' });
/** Header copies are informational (outcomes recorded before parsing); the raw mail is the source. */
const HeaderCopy = z.string().transform((s) => (s.length > 2048 ? s.slice(0, 2048) : s));

export const SesNotificationSchema = z.object({
  notificationType: z.literal('Received'),
  mail: z.object({
    timestamp: z.string(),
    source: z.string(),
    messageId: z.string().min(1),
    destination: z.array(z.string()).default([]),
    headersTruncated: z.boolean().optional(),
    commonHeaders: z
      .looseObject({
        from: z.array(z.string()).optional(),
        subject: HeaderCopy.optional(),
        messageId: HeaderCopy.optional(),
      })
      .optional(),
  }),
  receipt: z.object({
    timestamp: z.string().optional(),
    recipients: z.array(z.string()).min(1),
    spamVerdict: Verdict.optional(),
    virusVerdict: Verdict.optional(),
    spfVerdict: Verdict.optional(),
    dkimVerdict: Verdict.optional(),
    dmarcVerdict: Verdict.optional(),
    action: z.object({
      type: z.literal('S3'),
      bucketName: z.string(),
      objectKey: z.string(),
      topicArn: z.string().optional(),
      objectKeyPrefix: z.string().optional(),
    }),
  }),
});
export type SesNotification = z.infer<typeof SesNotificationSchema>;

/** SNS envelope as delivered to SQS without raw message delivery. */
export const SnsEnvelopeSchema = z.object({
  Type: z.literal('Notification'),
  MessageId: z.string(),
  TopicArn: z.string().optional(),
  Message: z.string(),
});

/** Parses an intake queue body (SNS envelope → SES notification). Throws ZodError/SyntaxError on garbage. */
export function parseIntakeBody(body: string): SesNotification {
  const envelope = SnsEnvelopeSchema.parse(JSON.parse(body));
  return SesNotificationSchema.parse(JSON.parse(envelope.Message));
}

/**
 * When SES took the message (`now` when the notification does not say): an address retired after
 * that still captures it (the sender was told it was delivered), also when the message is
 * processed or replayed later.
 */
export function receivedAtOf(notification: SesNotification, now: () => Date): Date {
  const at = Date.parse(notification.receipt.timestamp ?? notification.mail.timestamp);
  return Number.isNaN(at) ? now() : new Date(at);
}

/** The notificationType of an SNS-wrapped SES notification that is not `Received`, else null. */
export function otherNotificationType(body: string): string | null {
  try {
    const envelope = SnsEnvelopeSchema.parse(JSON.parse(body));
    const type = (JSON.parse(envelope.Message) as { notificationType?: unknown }).notificationType;
    return typeof type === 'string' && type !== 'Received' ? type : null;
  } catch {
    return null; // parseIntakeBody says what is wrong with it
  }
}
