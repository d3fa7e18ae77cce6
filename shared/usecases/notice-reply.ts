/**
 * A reply to a notice, in the parse stage (docs/notices.md): mail to a reply address
 * (`reply.<token>@<capture domain>`). Only the rep the notice went to, proven as for BCC (internal
 * domain, SES verdicts, DMARC or aligned SPF/DKIM), can act on it; their first lines say `stop`
 * or where the mail belongs, and the mail is replayed to the sync stage with that choice (the
 * path of `capture replay --unresolved`). The reply itself is never logged. Anyone else's reply
 * changes nothing, is answered with nothing, and ends `rejected` / `reply-not-from-sender`.
 */
import type { Org, Registry } from '../config/registry.ts';
import type { CapturedEmail } from '../domain/captured-email.ts';
import { checkParsedMessage, checkVerdicts, type ResolvedCapture } from '../domain/intake-policy.ts';
import { applyRepChoice, readRepChoice } from '../domain/notices/rep-choice.ts';
import { replyTokenOf } from '../domain/notices/reply-address.ts';
import type { OutcomeKind } from '../domain/outcome.ts';
import { PermanentError } from '../errors.ts';
import type { SesNotification } from '../events/ses-notification.ts';
import type { LogSink } from '../observability.ts';
import type { MailStore, MessageQueue, OutcomeStore } from '../ports/mail-store.ts';
import type { NoticeQueue, NoticeStore, ReplyTarget } from '../ports/notice-store.ts';
import { recordOutcome } from './record-outcome.ts';
import { replayUnresolvedMail } from './replay-unresolved.ts';

export interface NoticeReplyDeps {
  registry: Registry;
  mail: MailStore;
  outcomes: OutcomeStore;
  syncQueue: MessageQueue;
  logger: LogSink;
  now?: (() => Date) | undefined;
  replies: Pick<NoticeStore, 'getReplyTarget'>;
  noticeQueue: NoticeQueue;
  /** Reads the reply's raw mail as mail to `org` (the parse stage's MIME reader). */
  readReply(org: Org, recipient: string): Promise<CapturedEmail>;
}

export interface ReplyResult {
  orgId: string | null;
  result: OutcomeKind;
  reason: string;
}

/** Loop guards keep their own reasons: they are nobody's reply. */
const OWN_REASONS = new Set(['bounce', 'auto-reply', 'loop-own-domain', 'bulk-mail']);

/** The first reply address among the recipients, if any. */
export function replyRecipientOf(
  recipients: readonly string[],
  captureDomain: string,
): { token: string; recipient: string } | null {
  for (const recipient of recipients) {
    const token = replyTokenOf(recipient, captureDomain);
    if (token) return { token, recipient: recipient.trim().toLowerCase() };
  }
  return null;
}

/** How a reply ends: its org (when known), outcome and reason. */
type Ending = [orgId: string | null, result: OutcomeKind, reason: string];

/** A reply the rep the notice went to sent, proven as for BCC: the notice's target and the reply read. */
interface Admitted {
  org: Org;
  target: ReplyTarget;
  email: CapturedEmail;
}

export async function captureNoticeReply(
  notification: SesNotification,
  reply: { token: string; recipient: string },
  deps: NoticeReplyDeps,
): Promise<ReplyResult> {
  const sesMessageId = notification.mail.messageId;
  const common = notification.mail.commonHeaders;
  let ids = { messageId: common?.messageId?.trim() || null, subject: common?.subject ?? null };
  const admitted = await admit(notification, reply, deps);
  const { email } = admitted;
  if (email) ids = { messageId: email.messageId ?? ids.messageId, subject: email.subject ?? ids.subject };
  const [orgId, result, reason] =
    'ending' in admitted ? admitted.ending : await actOnChoice(admitted, reply.recipient, deps);
  await recordOutcome(
    deps.outcomes,
    'parse',
    { outcome: result, reason, sesMessageId, orgId, ...ids },
    deps.now,
  );
  deps.logger.info('reply to a notice', { sesMessageId, orgId, result, reason });
  return { orgId, result, reason };
}

/** A reply refused before its rep's choice is read: how it ends, and the reply if it was read. */
interface Refused {
  ending: Ending;
  email: CapturedEmail | null;
}

/** The reply, when it comes from the rep the notice went to (verdicts, policy, From); else how it ends. */
async function admit(
  notification: SesNotification,
  reply: { token: string; recipient: string },
  deps: NoticeReplyDeps,
): Promise<Admitted | Refused> {
  const refused = (ending: Ending, email: CapturedEmail | null = null): Refused => ({ ending, email });
  const target = await deps.replies.getReplyTarget(reply.token);
  if (!target) return refused([null, 'rejected', 'unknown-reply-address']);
  const org = deps.registry.orgs.find((o) => o.id === target.orgId);
  if (!org?.enabled) return refused([target.orgId, 'rejected', org ? 'org-disabled' : 'unknown-org']);
  const receipt = notification.receipt;
  const verdict = checkVerdicts(
    {
      spam: receipt.spamVerdict?.status,
      virus: receipt.virusVerdict?.status,
      dmarc: receipt.dmarcVerdict?.status,
    },
    'bcc',
  );
  // A DMARC FAIL is a forged From: whoever sent it, it is not the rep.
  if (!verdict.allowed && verdict.reason === 'dmarc-fail')
    return refused([org.id, 'rejected', 'reply-not-from-sender']);
  if (!verdict.allowed) return refused([org.id, verdict.outcome, verdict.reason]);

  let email: CapturedEmail;
  try {
    email = await deps.readReply(org, reply.recipient);
  } catch (error) {
    if (error instanceof PermanentError && error.code === 'UNREADABLE_EMAIL')
      return refused([org.id, 'rejected', 'unreadable-message']);
    throw error;
  }
  const capture: ResolvedCapture = {
    org,
    address: { token: 'reply', mode: 'bcc' },
    recipient: reply.recipient,
    target: null,
  };
  const policy = checkParsedMessage(email, capture, deps.registry.captureDomain, {
    spf: receipt.spfVerdict?.status,
    dkim: receipt.dkimVerdict?.status,
    dmarc: receipt.dmarcVerdict?.status,
  });
  if (!policy.allowed && OWN_REASONS.has(policy.reason))
    return refused([org.id, policy.outcome, policy.reason], email);
  const from = email.from?.address.toLowerCase() ?? null;
  if (!policy.allowed || from !== target.rep.toLowerCase())
    return refused([org.id, 'rejected', 'reply-not-from-sender'], email);
  return { org, target, email };
}

/** What the rep's first lines say: stop, or where the waiting mail belongs (it is replayed there). */
async function actOnChoice(
  { org, target, email }: Admitted,
  recipient: string,
  deps: NoticeReplyDeps,
): Promise<Ending> {
  const answer = (kind: 'unreadable' | 'expired' | 'several') =>
    deps.noticeQueue.send({
      type: 'answer',
      rep: target.rep,
      orgId: org.id,
      answer: kind,
      subject: target.subject,
      inReplyTo: email.messageId,
      replyTo: kind === 'unreadable' ? recipient : null,
    });
  const choice = readRepChoice(email.text, org, deps.registry.captureDomain);
  if (choice.kind === 'stop') {
    await deps.noticeQueue.send({ type: 'stop', rep: target.rep, orgId: org.id });
    return [org.id, 'excluded', 'notice-reply-stop'];
  }
  if (choice.kind === 'none') {
    await answer('unreadable');
    return [org.id, 'rejected', 'reply-not-understood'];
  }
  if (target.sesMessageId === null) {
    await answer('several');
    return [org.id, 'rejected', 'reply-names-no-mail'];
  }
  const waiting = await deps.mail.getUnresolved(target.orgId, target.sesMessageId);
  const now = deps.now?.() ?? new Date();
  const replay = waiting
    ? await replayUnresolvedMail(deps, waiting, (original) =>
        applyRepChoice(original, choice, target.rep, now),
      )
    : null;
  if (!replay?.replayed) {
    await answer('expired');
    return [org.id, 'rejected', 'reply-expired'];
  }
  return [org.id, 'excluded', 'notice-reply'];
}
