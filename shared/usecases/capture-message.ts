/**
 * Parse stage use case: one SES receipt notification in, for each org it was sent to either a
 * CapturedEmail handed to the sync stage or a recorded outcome (rejected, quarantined, excluded).
 */
import type { Readable } from 'node:stream';
import { pipeline } from '../config/pipeline.ts';
import type { Registry } from '../config/registry.ts';
import { type CaptureContext, type CapturedEmail, storedMessageDigest } from '../domain/captured-email.ts';
import {
  type AuthVerdicts,
  checkParsedMessage,
  checkVerdicts,
  fromVerified,
  type PolicyDecision,
  type ResolvedCapture,
  resolveRecipients,
} from '../domain/intake-policy.ts';
import { type EndedMail, endedMailOf, provenRepOf } from '../domain/notices/notice-policy.ts';
import type { OutcomeKind } from '../domain/outcome.ts';
import { wellFormed } from '../domain/parse/well-formed.ts';
import { describeError, PermanentError } from '../errors.ts';
import {
  otherNotificationType,
  parseIntakeBody,
  receivedAtOf,
  type SesNotification,
} from '../events/ses-notification.ts';
import type { SyncMessage } from '../events/sync-message.ts';
import type { LogSink } from '../observability.ts';
import { type MailStore, type MessageQueue, mailKeys, type OutcomeStore } from '../ports/mail-store.ts';
import type { NoticeQueue, NoticeStore } from '../ports/notice-store.ts';
import type { OrgStatusStore } from '../ports/org-status.ts';
import { captureNoticeReply, replyRecipientOf } from './notice-reply.ts';
import { type OutcomeFields, recordOutcome } from './record-outcome.ts';
import { reportEnding } from './report-ending.ts';

export interface ParseRequest {
  org: ResolvedCapture['org'];
  capture: CaptureContext;
  envelope: { mailFrom: string | null; recipients: string[] };
  orgId: string;
  sesMessageId: string;
}

/** The parse core behind a port, so the use case can be tested without MIME fixtures. */
export type ParseMessage = (raw: Buffer | Readable, request: ParseRequest) => Promise<CapturedEmail>;

export interface CaptureMessageDeps {
  registry: Registry;
  mail: MailStore;
  outcomes: OutcomeStore;
  syncQueue: MessageQueue;
  /** Marks each mail handed to the sync stage as waiting, for its org's backlog figures. */
  waiting?: Pick<OrgStatusStore, 'markWaiting'>;
  parse: ParseMessage;
  logger: LogSink;
  now?: () => Date;
  /**
   * Notices (docs/notices.md): where endings worth a notice are queued, and the reply addresses.
   * Without them no notice is queued and a reply address is an unknown address.
   */
  notices?: { queue: NoticeQueue; replies: Pick<NoticeStore, 'getReplyTarget'> };
}

export interface CaptureResult {
  orgId: string | null;
  /** `queued` = handed to the sync stage; otherwise the terminal outcome recorded here. */
  result: 'queued' | OutcomeKind;
  reason: string | null;
}

export async function captureMessage(
  notification: SesNotification,
  deps: CaptureMessageDeps,
): Promise<CaptureResult[]> {
  const sesMessageId = notification.mail.messageId;
  const headerIds = headerIdsOf(notification);
  const reply =
    deps.notices && replyRecipientOf(notification.receipt.recipients, deps.registry.captureDomain);
  if (reply && deps.notices) return [await captureReply(notification, reply, deps, deps.notices)];
  const { captures, rejections } = resolveRecipients(
    deps.registry,
    notification.receipt.recipients,
    receivedAt(notification, deps),
  );

  if (captures.length === 0) {
    const first = rejections[0];
    const reason = first?.reason ?? 'no-capture-recipient';
    const orgId = first?.orgId ?? null;
    await record(deps, { outcome: 'rejected', reason, sesMessageId, orgId, ...headerIds });
    return [{ orgId, result: 'rejected', reason }];
  }
  if (rejections.length > 0) {
    deps.logger.warn('some recipients are not capture addresses', {
      sesMessageId,
      reasons: rejections.map((r) => r.reason),
    });
  }

  const results: CaptureResult[] = [];
  for (const capture of captures) {
    results.push(await captureForOrg(notification, capture, deps));
  }
  return results;
}

async function captureForOrg(
  notification: SesNotification,
  capture: ResolvedCapture,
  deps: CaptureMessageDeps,
): Promise<CaptureResult> {
  const sesMessageId = notification.mail.messageId;
  const orgId = capture.org.id;
  const receipt = notification.receipt;

  const verdict = checkVerdicts(
    {
      spam: receipt.spamVerdict?.status,
      virus: receipt.virusVerdict?.status,
      dmarc: receipt.dmarcVerdict?.status,
    },
    capture.address.mode,
  );
  if (!verdict.allowed) {
    const ended = endedAtIntake(notification, capture, null);
    return finish(deps, verdict, { sesMessageId, orgId, ...headerIdsOf(notification) }, { capture, ended });
  }

  const raw = await deps.mail.openRaw(receipt.action.objectKey);
  let email: CapturedEmail;
  try {
    email = await deps.parse(raw, {
      org: capture.org,
      capture: {
        orgId,
        address: capture.recipient,
        mode: capture.address.mode,
        target: capture.target,
      },
      envelope: { mailFrom: notification.mail.source || null, recipients: receipt.recipients },
      orgId,
      sesMessageId,
    });
  } catch (error) {
    if (!Buffer.isBuffer(raw)) raw.destroy();
    if (error instanceof PermanentError && error.code === 'UNREADABLE_EMAIL') {
      return finish(
        deps,
        { allowed: false, outcome: 'rejected', reason: 'unreadable-message' },
        { sesMessageId, orgId, ...headerIdsOf(notification) },
      );
    }
    throw error;
  }

  const ids = {
    sesMessageId,
    orgId,
    messageId: email.messageId,
    subject: email.subject,
    warnings: email.warnings,
  };
  const auth: AuthVerdicts = {
    spf: receipt.spfVerdict?.status,
    dkim: receipt.dkimVerdict?.status,
    dmarc: receipt.dmarcVerdict?.status,
  };
  const policy = checkParsedMessage(email, capture, deps.registry.captureDomain, auth);
  if (!policy.allowed) {
    return finish(deps, policy, ids, { capture, ended: endedAtIntake(notification, capture, email) });
  }
  if (email.excluded) {
    await record(deps, { outcome: 'excluded', reason: email.excluded.reason, ...ids });
    return { orgId, result: 'excluded', reason: email.excluded.reason };
  }
  // What sync decides write rights on: a bcc sender passed the policy's proof above.
  const origin = {
    senderVerified: capture.address.mode === 'bcc' || fromVerified(email, auth),
    sourceDigest: storedMessageDigest(receipt.action.objectKey),
  };
  return handToSync(deps, { ...email, origin }, orgId, notification);
}

/** The CapturedEmail on the sync queue. */
async function handToSync(
  deps: CaptureMessageDeps,
  email: CapturedEmail,
  orgId: string,
  notification: SesNotification,
): Promise<CaptureResult> {
  const sesMessageId = notification.mail.messageId;
  // A small email rides in the sync message; a larger one goes to S3 and the message names it.
  // (Sync writes a carried email to parsedKey too if it ends unresolved, for the later re-link.)
  const parsedKey = mailKeys.parsed(orgId, sesMessageId);
  const inline = fitsInline(email);
  if (!inline) await deps.mail.putParsed(parsedKey, email);
  const message: SyncMessage = {
    version: 1,
    orgId,
    sesMessageId,
    parsedKey,
    messageId: email.messageId,
    receivedAt: receivedAt(notification, deps).toISOString(),
    ...(inline ? { email } : {}),
  };
  await markWaiting(deps, message);
  // The org is the message group: SQS fair queues keep one org's backlog from delaying the others.
  await deps.syncQueue.send(message, { orgId }, { groupId: orgId });
  deps.logger.info('captured', {
    sesMessageId,
    orgId,
    kind: email.kind,
    direction: email.direction,
    attachments: email.attachments.length,
    orderNumbers: email.orderNumbers.length,
    forwarded: email.forwarded !== null,
    warnings: email.warnings.length,
  });
  return { orgId, result: 'queued', reason: null };
}

/** The org's backlog figures are a view: a marker that cannot be written never holds mail up. */
async function markWaiting(deps: CaptureMessageDeps, message: SyncMessage): Promise<void> {
  if (!deps.waiting || !message.receivedAt) return;
  const mail = { orgId: message.orgId, sesMessageId: message.sesMessageId, receivedAt: message.receivedAt };
  await deps.waiting.markWaiting(mail).catch((error: unknown) => {
    deps.logger.warn('waiting marker not written', {
      sesMessageId: message.sesMessageId,
      orgId: message.orgId,
      reason: describeError(error),
    });
  });
}

/** Whether the CapturedEmail is small enough to ride in the sync message (its text alone may say no). */
function fitsInline(email: CapturedEmail): boolean {
  const max = pipeline.inlineEmailMaxBytes;
  return email.text.length <= max && Buffer.byteLength(JSON.stringify(email)) <= max;
}

async function finish(
  deps: CaptureMessageDeps,
  decision: Exclude<PolicyDecision, { allowed: true }>,
  ids: {
    sesMessageId: string;
    orgId: string;
    messageId: string | null;
    subject: string | null;
    warnings?: string[];
  },
  notice?: { capture: ResolvedCapture; ended: EndedMail },
): Promise<CaptureResult> {
  await record(deps, { outcome: decision.outcome, reason: decision.reason, ...ids });
  deps.logger.info('not captured', { sesMessageId: ids.sesMessageId, orgId: ids.orgId, ...decision });
  if (notice) {
    await reportEnding({ ...deps, noticeQueue: deps.notices?.queue }, notice.capture.org, notice.ended, {
      outcome: decision.outcome,
      reason: decision.reason,
      kept: false,
      final: true,
      taskId: null,
    });
  }
  return { orgId: ids.orgId, result: decision.outcome, reason: decision.reason };
}

/**
 * A mail stopped at intake, as the notices see it. Its rep is one SES's verdicts prove before the
 * mail is read; once it is read and still refused, its sender was not proven: nobody is told.
 */
function endedAtIntake(
  notification: SesNotification,
  capture: ResolvedCapture,
  email: CapturedEmail | null,
): EndedMail {
  const sesMessageId = notification.mail.messageId;
  if (email) return { ...endedMailOf(email, capture.org, sesMessageId), rep: null };
  const common = headerIdsOf(notification);
  const receipt = notification.receipt;
  const mode = capture.address.mode;
  const rep =
    mode === 'bcc'
      ? provenRepOf(
          {
            from: notification.mail.commonHeaders?.from?.[0] ?? null,
            mailFrom: notification.mail.source || null,
            dmarc: receipt.dmarcVerdict?.status,
            spf: receipt.spfVerdict?.status,
          },
          capture.org,
        )
      : null;
  const date = notification.mail.commonHeaders?.date;
  return {
    orgId: capture.org.id,
    sesMessageId,
    ...common,
    date: typeof date === 'string' ? date : null,
    mode,
    rep,
    automated: false,
    cutShort: [],
    resolution: null,
  };
}

/** A reply to a notice: read as mail to the org the notice was about, never captured itself. */
function captureReply(
  notification: SesNotification,
  reply: { token: string; recipient: string },
  deps: CaptureMessageDeps,
  notices: NonNullable<CaptureMessageDeps['notices']>,
): Promise<CaptureResult> {
  const sesMessageId = notification.mail.messageId;
  return captureNoticeReply(notification, reply, {
    ...deps,
    replies: notices.replies,
    noticeQueue: notices.queue,
    readReply: async (org, recipient) => {
      const raw = await deps.mail.openRaw(notification.receipt.action.objectKey);
      try {
        return await deps.parse(raw, {
          org,
          capture: { orgId: org.id, address: recipient, mode: 'bcc', target: null },
          envelope: {
            mailFrom: notification.mail.source || null,
            recipients: notification.receipt.recipients,
          },
          orgId: org.id,
          sesMessageId,
        });
      } catch (error) {
        if (!Buffer.isBuffer(raw)) raw.destroy();
        throw error;
      }
    },
  });
}

function record(deps: CaptureMessageDeps, fields: OutcomeFields): Promise<void> {
  return recordOutcome(deps.outcomes, 'parse', fields, deps.now);
}

/** Message-ID and Subject as SES read them, for outcomes recorded before the message is parsed. */
function headerIdsOf(notification: SesNotification): { messageId: string | null; subject: string | null } {
  const common = notification.mail.commonHeaders;
  const subject = common?.subject;
  const messageId = common?.messageId?.trim();
  return {
    messageId: messageId ? wellFormed(messageId) : null,
    subject: subject === undefined ? null : wellFormed(subject),
  };
}

function receivedAt(notification: SesNotification, deps: CaptureMessageDeps): Date {
  return receivedAtOf(notification, () => deps.now?.() ?? new Date());
}

type QueueIds = { sesMessageId: string; orgId: null; messageId: string | null };

/**
 * One intake queue body: a Received notification is captured (`onIds` hears its id first, for
 * the logs and a failed outcome); SES's setup notification and the like are acknowledged.
 */
export async function captureIntakeBody(
  body: string,
  deps: CaptureMessageDeps,
  onIds: (ids: QueueIds) => void,
): Promise<void> {
  const other = otherNotificationType(body);
  if (other !== null) {
    deps.logger.info('not a received-mail notification; acknowledged', { notificationType: other });
    return;
  }
  const notification = parseIntakeBody(body);
  // The Message-ID as SES read it: a failure recorded before the parse can still be found by it.
  const { messageId } = headerIdsOf(notification);
  onIds({ sesMessageId: notification.mail.messageId, orgId: null, messageId });
  await captureMessage(notification, deps);
}
