/**
 * What the MIME reader hands the parse rules: one message's headers, body text and files, already
 * decoded and cut to their budgets. The rules (shared/domain/parse/build-captured-email.ts) turn it
 * into a CapturedEmail without touching bytes, streams or MIME libraries.
 */
import type { Attachment, CutShort, ForwardedOriginal, Invite, MailAddress } from '../captured-email.ts';

export interface MimeReading {
  from: MailAddress | null;
  sender: MailAddress | null;
  replyTo: MailAddress[];
  to: MailAddress[];
  cc: MailAddress[];
  bcc: MailAddress[];
  subject: string | null;
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  /** ISO date, or null when absent or unreadable. */
  date: string | null;
  contentType: string | undefined;
  /** Top-level header fields as written (first occurrence), by lower-case name. */
  rawHeaders: ReadonlyMap<string, string>;
  /** The body as plain text (HTML converted within budget when there is no text part). */
  text: string;
  /**
   * For an HTML-only body: the HTML converted again, unwrapped, for finding a forward. Costly,
   * so called only when the wrapped text hints at one. Null when the message has a text part.
   */
  unwrappedHtmlText: (() => string) | null;
  /** An attached message/rfc822 read as the original, when there is one. */
  attachedOriginal: ForwardedOriginal | null;
  attachments: Attachment[];
  invite: Invite | null;
  dkimDomains: string[];
  /** Bytes read. */
  size: number;
  /** What reading noticed, in order; `cutShort` lists what a budget cut. */
  warnings: string[];
  cutShort: CutShort[];
}
