/**
 * Whether a mail's ending calls for a notice to the rep who sent it and for a line in the org's
 * admin digest (docs/notices.md). Pure: the stages call it with what they know when they record
 * the outcome; whether the rep asked to stop, bounced or was written to a moment ago is the
 * notices function's business.
 *
 * | how it ended                              | rep notice (BCC'd by a verified rep) | admin digest |
 * |-------------------------------------------|--------------------------------------|--------------|
 * | unmatched, kept for the re-link           | `unresolved` (with a reply address)  | unresolved   |
 * | failed, for good (no retry left)          | `failed`                             | failed       |
 * | quarantined                               | `quarantined`                        | quarantined  |
 * | created, with parts cut short             | `cut-short`                          | –            |
 * | a rep's reply applied: created/duplicate  | `logged` (an answer)                 | –            |
 * | a rep's reply applied: still unmatched    | `still-unresolved` (an answer)       | unresolved   |
 * | anything else                             | –                                    | –            |
 *
 * Never a notice to an outsider: mail that came through a forward address, or whose sender was
 * not proven, has no rep. Never a notice about an auto-reply, bounce, bulk or list mail. Nothing
 * at all when the org turned notices off; no digest line when the org names no admin.
 */
import type { Org } from '../../config/registry.ts';
import type { CapturedEmail, Resolution } from '../captured-email.ts';
import { isInternalAddress } from '../internal-address.ts';
import type { OutcomeKind } from '../outcome.ts';

/** What a notice to a rep is about. `logged` and `still-unresolved` answer the rep's reply. */
export type NoticeKind =
  | 'unresolved'
  | 'failed'
  | 'quarantined'
  | 'cut-short'
  | 'logged'
  | 'still-unresolved';

export type DigestKind = 'unresolved' | 'quarantined' | 'failed';

/** How a mail ended, as the stage that ended it knows it. */
export interface MailEnding {
  outcome: OutcomeKind;
  reason: string | null;
  /** Unmatched mail kept under unresolved/ for the re-link (the org's unmatched policy `unresolved`). */
  kept: boolean;
  /** No later try changes it: a failure that will be retried is not final. */
  final: boolean;
  taskId: string | null;
}

/** What the notices need to know of a mail, whichever stage ended it. */
export interface EndedMail {
  orgId: string;
  sesMessageId: string;
  messageId: string | null;
  subject: string | null;
  date: string | null;
  /** The capture address mode it came in through. */
  mode: 'bcc' | 'forward';
  /** The verified internal rep who BCC'd it; null for forward-address mail or a sender not proven. */
  rep: string | null;
  /** An auto-reply, bounce, bulk or list mail: never answered. */
  automated: boolean;
  /** What a parse budget left out, in plain words. */
  cutShort: string[];
  /** The rep's choice, when this mail was replayed for their reply to a notice. */
  resolution: Resolution | null;
}

export interface NoticeDecision {
  notice: NoticeKind | null;
  /** The notice answers the rep's own reply: never held back by the rate limit. */
  answer: boolean;
  digest: DigestKind | null;
}

const NOTHING: NoticeDecision = { notice: null, answer: false, digest: null };

/**
 * The mail as the sync stage sees it. Only mail that passed the intake policy reaches sync, so
 * the internal From of a `bcc` capture is proven (DMARC, or aligned SPF or DKIM).
 */
export function endedMailOf(email: CapturedEmail, org: Org, sesMessageId: string): EndedMail {
  const mode = email.capture?.mode ?? 'forward';
  const from = email.from?.address ?? null;
  return {
    orgId: org.id,
    sesMessageId,
    messageId: email.messageId,
    subject: email.subject,
    date: email.date,
    mode,
    rep: mode === 'bcc' && from && isInternalAddress(org, from) ? from : null,
    automated: email.kind !== 'normal' || Boolean(email.bulk),
    cutShort: (email.cutShort ?? []).map((c) => c.detail),
    resolution: email.resolution ?? null,
  };
}

export function noticeFor(ending: MailEnding, mail: EndedMail, org: Org): NoticeDecision {
  if (!org.notices.enabled) return NOTHING;
  const notice = mail.rep && !mail.automated ? repNoticeOf(ending, mail) : null;
  const digest = org.notices.adminEmails.length > 0 ? digestOf(ending) : null;
  return { notice, answer: notice !== null && mail.resolution !== null, digest };
}

function repNoticeOf(ending: MailEnding, mail: EndedMail): NoticeKind | null {
  const { outcome } = ending;
  if (outcome === 'failed') return ending.final ? 'failed' : null;
  if (outcome === 'quarantined') return 'quarantined';
  if (mail.resolution) {
    if (outcome === 'created' || outcome === 'duplicate') return 'logged';
    return outcome === 'unmatched' ? 'still-unresolved' : null;
  }
  if (outcome === 'unmatched') return ending.kept ? 'unresolved' : null;
  if (outcome === 'created' && mail.cutShort.length > 0) return 'cut-short';
  return null;
}

function digestOf(ending: MailEnding): DigestKind | null {
  if (ending.outcome === 'unmatched') return ending.kept ? 'unresolved' : null;
  if (ending.outcome === 'quarantined') return 'quarantined';
  if (ending.outcome === 'failed') return ending.final ? 'failed' : null;
  return null;
}

/** What SES's receipt says of a mail's sender, before the mail itself is read. */
export interface ReceiptSender {
  /** The From header as SES copied it (`"Alice" <alice@acme.com>`). */
  from: string | null;
  /** The envelope MAIL FROM. */
  mailFrom: string | null;
  dmarc?: string | undefined;
  spf?: string | undefined;
}

/**
 * The rep behind mail stopped before it was read (a virus or spam verdict), when SES's verdicts
 * prove the From: DMARC PASS, or SPF PASS for an envelope sender aligned with the From, both
 * internal. The same proof the BCC rule asks for (intake-policy.ts), less DKIM, whose signing
 * domains are only known once the mail is read. Null when nothing proves it: no notice then.
 */
export function provenRepOf(sender: ReceiptSender, org: Org): string | null {
  const from = addressIn(sender.from);
  if (!from || !isInternalAddress(org, from)) return null;
  if (sender.dmarc === 'PASS') return from;
  const mailFrom = addressIn(sender.mailFrom);
  if (sender.spf !== 'PASS' || !mailFrom || !isInternalAddress(org, mailFrom)) return null;
  const a = domainOf(from);
  const b = domainOf(mailFrom);
  return a === b || a.endsWith(`.${b}`) || b.endsWith(`.${a}`) ? from : null;
}

function addressIn(value: string | null): string | null {
  if (!value) return null;
  const address = (/<([^<>\s]+)>\s*$/.exec(value)?.[1] ?? value).trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(address) ? address : null;
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1);
}
