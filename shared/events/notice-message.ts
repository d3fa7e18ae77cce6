/**
 * What the notices queue carries (docs/notices.md): a mail's ending from the parse or sync stage,
 * the end of a rep's rate-limit window, a rep's `stop` or a short answer to their reply, a digest
 * asked for by `capture digest`, and SES's bounce and complaint events (an SNS envelope).
 */
import * as z from 'zod';
import { ResolutionSchema } from '../domain/captured-email.ts';
import { OutcomeKind } from '../domain/outcome.ts';

const Text = z.string().nullable();

/** One mail's ending, with what the notice and the digest say of it (decided by noticeFor). */
export const EndingMessageSchema = z.object({
  type: z.literal('ending'),
  orgId: z.string(),
  sesMessageId: z.string(),
  messageId: Text,
  subject: Text,
  date: Text,
  outcome: OutcomeKind,
  reason: Text,
  mode: z.enum(['bcc', 'forward']),
  rep: Text,
  notice: z
    .enum(['unresolved', 'failed', 'quarantined', 'cut-short', 'logged', 'still-unresolved'])
    .nullable(),
  answer: z.boolean(),
  digest: z.enum(['unresolved', 'quarantined', 'failed']).nullable(),
  cutShort: z.array(z.string()).default([]),
  taskId: Text,
  /** Where the unresolved mail is kept (parsed/…), for its reply address. */
  parsedKey: Text,
  resolution: ResolutionSchema.nullable().default(null),
  at: z.string(),
});
export type EndingMessage = z.infer<typeof EndingMessageSchema>;

export const FlushMessageSchema = z.object({ type: z.literal('flush'), rep: z.string() });

export const StopMessageSchema = z.object({ type: z.literal('stop'), rep: z.string(), orgId: z.string() });

/** A short answer to a rep's reply (not understood, nothing left to log); never held back. */
export const AnswerMessageSchema = z.object({
  type: z.literal('answer'),
  rep: z.string(),
  orgId: z.string(),
  answer: z.enum(['unreadable', 'expired', 'several']),
  subject: Text,
  inReplyTo: Text,
  /** The reply address the rep wrote to, when writing to it again can still help. */
  replyTo: Text.default(null),
});

/** `capture digest`: the admin digest of one org (or every org) now, whatever the hour. */
export const DigestMessageSchema = z.object({ type: z.literal('digest'), orgId: z.string().nullable() });

export const NoticeMessageSchema = z.discriminatedUnion('type', [
  EndingMessageSchema,
  FlushMessageSchema,
  StopMessageSchema,
  AnswerMessageSchema,
  DigestMessageSchema,
]);
export type NoticeMessage = z.infer<typeof NoticeMessageSchema>;

/**
 * An SES event publishing notification (configuration set → SNS → this queue): only the parts
 * read here. Bounce: bounceType Permanent means the address does not take mail.
 */
export const SesDeliveryEventSchema = z.object({
  eventType: z.enum(['Bounce', 'Complaint']),
  bounce: z
    .object({
      bounceType: z.string(),
      bouncedRecipients: z.array(z.object({ emailAddress: z.string() })).default([]),
    })
    .optional(),
  complaint: z
    .object({ complainedRecipients: z.array(z.object({ emailAddress: z.string() })).default([]) })
    .optional(),
  mail: z.looseObject({ messageId: z.string().optional() }).optional(),
});
export type SesDeliveryEvent = z.infer<typeof SesDeliveryEventSchema>;

export type NoticeQueueBody =
  | { kind: 'notice'; message: NoticeMessage }
  | { kind: 'ses-event'; event: SesDeliveryEvent }
  | { kind: 'other-ses-event'; eventType: string };

/** Reads one queue body: a notice message, or an SNS envelope around an SES event. Throws on garbage. */
export function parseNoticeQueueBody(body: string): NoticeQueueBody {
  const json = JSON.parse(body) as { Type?: unknown; Message?: unknown };
  if (json.Type === 'Notification' && typeof json.Message === 'string') {
    const inner = JSON.parse(json.Message) as { eventType?: unknown; notificationType?: unknown };
    const type = inner.eventType ?? inner.notificationType;
    if (type === 'Bounce' || type === 'Complaint') {
      return { kind: 'ses-event', event: SesDeliveryEventSchema.parse({ ...inner, eventType: type }) };
    }
    return { kind: 'other-ses-event', eventType: typeof type === 'string' ? type : 'unknown' };
  }
  return { kind: 'notice', message: NoticeMessageSchema.parse(json) };
}
