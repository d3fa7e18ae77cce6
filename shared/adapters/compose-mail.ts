/**
 * One composer for every outbound message (notices, answers, digests): nodemailer's MailComposer
 * writes the MIME (encoded words, line folding, quoted-printable), never hand-built headers.
 */
import { randomUUID } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { OutboundMessage } from '../ports/outbound-mail.ts';

export interface ComposedMail {
  raw: Buffer;
  messageId: string;
}

/** The raw message, with a Message-ID at the sender's domain. */
export async function composeMail(message: OutboundMessage, date: Date = new Date()): Promise<ComposedMail> {
  const domain = /@([^>\s]+)>?\s*$/.exec(message.from)?.[1] ?? 'localhost';
  const messageId = `<${randomUUID()}@${domain}>`;
  const raw = await new MailComposer({
    from: message.from,
    to: message.to,
    ...(message.replyTo ? { replyTo: message.replyTo } : {}),
    subject: message.subject,
    text: message.text,
    messageId,
    date,
    headers: message.headers,
    ...(message.inReplyTo ? { inReplyTo: message.inReplyTo, references: [message.inReplyTo] } : {}),
  })
    .compile()
    .build();
  return { raw, messageId };
}
