/**
 * The notices function's work (docs/notices.md), one queue message at a time: a mail's ending
 * (a line for the admin digest, a notice for its rep under the rate limit), the end of a rep's
 * window (the held notices as one digest), a rep's `stop`, a short answer to a rep's reply, a
 * digest asked for now, SES's bounces and complaints; and, on the hourly schedule, the admin
 * digests whose hour it is. The only code that sends mail.
 */

import { pipeline } from '../config/pipeline.ts';
import type { Org, Registry } from '../config/registry.ts';
import {
  adminDigestText,
  type DigestEntry,
  type NoticeItem,
  replyAnswerText,
  repNoticeText,
} from '../domain/notices/notice-text.ts';
import { admit, flushHeld, type RecipientState, silencedBecause } from '../domain/notices/rate-limit.ts';
import { replyAddressOf, replyTokenFrom } from '../domain/notices/reply-address.ts';
import { TransientError } from '../errors.ts';
import {
  type EndingMessage,
  type NoticeMessage,
  parseNoticeQueueBody,
  type SesDeliveryEvent,
} from '../events/notice-message.ts';
import { type LogSink, maskAddress } from '../observability.ts';
import type { MailStore } from '../ports/mail-store.ts';
import type { NoticeQueue, NoticeStore, ReplyTarget } from '../ports/notice-store.ts';
import type { OutboundMail } from '../ports/outbound-mail.ts';

export interface NoticesDeps {
  registry: Registry;
  store: NoticeStore;
  /** Whether unresolved mail still waits (the digest leaves out what was logged since). */
  mail: Pick<MailStore, 'getUnresolved'>;
  outbound: OutboundMail;
  /** The notices queue itself: a window's end is a message delayed until then. */
  queue: NoticeQueue;
  logger: LogSink;
  now: () => Date;
  /** The rate limit's window (pipeline.notices.windowSeconds; 0 turns it off). */
  windowSeconds: number;
  randomBytes: (size: number) => Uint8Array;
}

/** RFC 3834: a notice answers the rep's own mail; the digest is generated. Both stop auto-replies (Exchange too). */
const NOTICE_HEADERS = { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' };
const DIGEST_HEADERS = { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' };
/** Digest entries read for one admin digest; later ones wait for the next. */
const DIGEST_READ_MAX = 1000;
/** Conditional writes of a rep's state tried before the message is left for a redelivery. */
const STATE_ATTEMPTS = 3;

export function senderOf(registry: Registry): string {
  return `Capture <${pipeline.notices.senderLocalPart}@${registry.captureDomain}>`;
}

/** One notices-queue message. Throws on a body it cannot read (the queue's redrive keeps it). */
export async function handleNoticeBody(body: string, deps: NoticesDeps): Promise<void> {
  const parsed = parseNoticeQueueBody(body);
  if (parsed.kind === 'ses-event') return recordDeliveryEvent(deps, parsed.event);
  if (parsed.kind === 'other-ses-event') {
    deps.logger.info('SES event ignored', { eventType: parsed.eventType });
    return;
  }
  await handleNoticeMessage(parsed.message, deps);
}

async function handleNoticeMessage(message: NoticeMessage, deps: NoticesDeps): Promise<void> {
  switch (message.type) {
    case 'ending':
      return handleEnding(message, deps);
    case 'flush':
      return flushRep(message.rep, deps);
    case 'stop':
      return stopRep(message.rep, deps);
    case 'answer': {
      const { subject, text } = replyAnswerText(message.answer, message.subject);
      return sendAnswer(deps, message.rep, {
        subject,
        text,
        inReplyTo: message.inReplyTo,
        replyTo: message.replyTo,
      });
    }
    case 'digest':
      await sendDigests(deps, message.orgId === null ? { all: true } : { orgId: message.orgId });
  }
}

async function handleEnding(m: EndingMessage, deps: NoticesDeps): Promise<void> {
  const org = deps.registry.orgs.find((o) => o.id === m.orgId);
  if (!org) {
    deps.logger.warn('notice for an org no longer in the registry; dropped', { orgId: m.orgId });
    return;
  }
  if (m.digest) {
    const entry: DigestEntry = {
      orgId: m.orgId,
      sesMessageId: m.sesMessageId,
      messageId: m.messageId,
      subject: m.subject,
      date: m.date,
      kind: m.digest,
      reason: m.reason,
      mode: m.mode,
      rep: m.mode === 'bcc' ? m.rep : null,
      at: m.at,
    };
    await deps.store.putDigestEntry(entry);
  }
  if (!m.notice || !m.rep) return;
  const item: NoticeItem = {
    kind: m.notice,
    orgId: m.orgId,
    sesMessageId: m.sesMessageId,
    messageId: m.messageId,
    subject: m.subject,
    date: m.date,
    reason: m.reason,
    cutShort: m.cutShort,
    replyAddress: null,
    taskId: m.taskId,
    resolution: m.resolution,
  };
  if ((m.notice === 'unresolved' || m.notice === 'still-unresolved') && m.parsedKey) {
    item.replyAddress = await newReplyAddress(deps, {
      orgId: org.id,
      sesMessageId: m.sesMessageId,
      parsedKey: m.parsedKey,
      rep: m.rep,
      subject: m.subject,
      messageId: m.messageId,
      createdAt: deps.now().toISOString(),
    });
  }
  await admitNotice(deps, org, m.rep, item, m.answer);
}

/** A new reply address standing for `target` (a fresh token each time: unguessable, one per notice). */
async function newReplyAddress(deps: NoticesDeps, target: ReplyTarget): Promise<string> {
  const token = replyTokenFrom(deps.randomBytes);
  await deps.store.putReplyTarget(token, target);
  return replyAddressOf(token, deps.registry.captureDomain);
}

/** The rate limit, then the send; the rep's state is written before the mail goes out. */
async function admitNotice(deps: NoticesDeps, org: Org, rep: string, item: NoticeItem, answer: boolean) {
  const now = deps.now();
  for (let attempt = 0; attempt < STATE_ATTEMPTS; attempt++) {
    const { state, version } = await deps.store.getRecipient(rep);
    const silenced = silencedBecause(state);
    // A rep who said stop still hears back about their own reply; a dead address hears nothing.
    if (silenced && (!answer || silenced !== 'stopped')) {
      deps.logger.info('notice not sent', { orgId: org.id, to: maskAddress(rep), because: silenced });
      return;
    }
    const admission = admit(state, item, { answer, now, windowMs: deps.windowSeconds * 1000 });
    if (!answer && !(await deps.store.putRecipient(admission.state, version))) continue;
    if (admission.flushAt) {
      await deps.queue.send(
        { type: 'flush', rep: state.address },
        { delaySeconds: (admission.flushAt.getTime() - now.getTime()) / 1000 },
      );
    }
    if (admission.send) await deliverToRep(deps, org, rep, admission.send, admission.more);
    else deps.logger.info('notice held for the window', { orgId: org.id, to: maskAddress(rep) });
    return;
  }
  throw new TransientError('NOTICE_STATE_BUSY', 'the rep’s notice state kept changing; trying again later');
}

/** One notice (or a folded digest) to a rep; its Reply-To always reaches Capture (`stop` works from any notice). */
async function deliverToRep(deps: NoticesDeps, org: Org, rep: string, items: NoticeItem[], more: number) {
  const { subject, text } = repNoticeText(items, more);
  const withAddress = items.filter((i) => i.replyAddress);
  const [single] = items;
  const replyTo =
    (withAddress.length === 1 ? withAddress[0]?.replyAddress : null) ??
    (await newReplyAddress(deps, {
      orgId: org.id,
      sesMessageId: null,
      parsedKey: null,
      rep,
      subject: items.length === 1 ? (single?.subject ?? null) : null,
      messageId: null,
      createdAt: deps.now().toISOString(),
    }));
  await deps.outbound.send({
    from: senderOf(deps.registry),
    to: [rep],
    replyTo,
    subject,
    text,
    inReplyTo: items.length === 1 ? (single?.messageId ?? null) : null,
    headers: NOTICE_HEADERS,
  });
  deps.logger.info('notice sent', { orgId: org.id, to: maskAddress(rep), mails: items.length + more });
}

/** The end of a rep's window: what it held goes out as one digest. */
async function flushRep(rep: string, deps: NoticesDeps): Promise<void> {
  const now = deps.now();
  for (let attempt = 0; attempt < STATE_ATTEMPTS; attempt++) {
    const { state, version } = await deps.store.getRecipient(rep);
    if (state.held.length === 0) return;
    if (silencedBecause(state)) {
      if (await deps.store.putRecipient({ ...state, held: [], heldDropped: 0, flushAt: null }, version))
        return;
      continue;
    }
    const flush = flushHeld(state, now);
    if (flush.again) {
      // Delivered early (SQS delays are at most 15 minutes; a clock moved): wait for the window's end.
      await deps.queue.send(
        { type: 'flush', rep },
        { delaySeconds: (flush.again.getTime() - now.getTime()) / 1000 },
      );
      return;
    }
    if (!flush.send || !(await deps.store.putRecipient(flush.state, version))) continue;
    const org = deps.registry.orgs.find((o) => o.id === flush.send?.[0]?.orgId);
    if (org) await deliverToRep(deps, org, state.address, flush.send, flush.more);
    return;
  }
  throw new TransientError('NOTICE_STATE_BUSY', 'the rep’s notice state kept changing; trying again later');
}

/** A rep's `stop`: nothing held is sent, nothing more is noticed; one line confirms it. */
async function stopRep(rep: string, deps: NoticesDeps): Promise<void> {
  const at = deps.now().toISOString();
  await updateRecipient(deps, rep, (s) => ({
    ...s,
    stoppedAt: s.stoppedAt ?? at,
    held: [],
    heldDropped: 0,
    flushAt: null,
  }));
  const { subject, text } = replyAnswerText('stopped', null);
  await sendAnswer(deps, rep, { subject, text, inReplyTo: null, replyTo: null });
  deps.logger.info('notices stopped', { to: maskAddress(rep) });
}

async function updateRecipient(
  deps: NoticesDeps,
  address: string,
  change: (state: RecipientState) => RecipientState,
): Promise<void> {
  for (let attempt = 0; attempt < STATE_ATTEMPTS; attempt++) {
    const { state, version } = await deps.store.getRecipient(address);
    if (await deps.store.putRecipient(change(state), version)) return;
  }
  throw new TransientError(
    'NOTICE_STATE_BUSY',
    'a notice recipient’s state kept changing; trying again later',
  );
}

/** Answers to a rep's own reply: never held back, never to an address that bounced or complained. */
async function sendAnswer(
  deps: NoticesDeps,
  rep: string,
  answer: { subject: string; text: string; inReplyTo: string | null; replyTo: string | null },
): Promise<void> {
  const { state } = await deps.store.getRecipient(rep);
  const silenced = silencedBecause(state);
  if (silenced === 'bounced' || silenced === 'complained') return;
  await deps.outbound.send({
    from: senderOf(deps.registry),
    to: [rep],
    ...(answer.replyTo ? { replyTo: answer.replyTo } : {}),
    subject: answer.subject,
    text: answer.text,
    inReplyTo: answer.inReplyTo,
    headers: NOTICE_HEADERS,
  });
}

/** SES's bounce and complaint events: a permanent bounce or a complaint ends all mail to that address. */
async function recordDeliveryEvent(deps: NoticesDeps, event: SesDeliveryEvent): Promise<void> {
  const at = deps.now().toISOString();
  if (event.eventType === 'Bounce') {
    if (event.bounce?.bounceType !== 'Permanent') {
      deps.logger.info('transient bounce', { bounceType: event.bounce?.bounceType });
      return;
    }
    for (const r of event.bounce.bouncedRecipients) {
      await updateRecipient(deps, r.emailAddress, (s) => ({
        ...s,
        bouncedAt: s.bouncedAt ?? at,
        held: [],
        flushAt: null,
      }));
      deps.logger.warn('notice address bounced; not written to again', { to: maskAddress(r.emailAddress) });
    }
    return;
  }
  for (const r of event.complaint?.complainedRecipients ?? []) {
    await updateRecipient(deps, r.emailAddress, (s) => ({
      ...s,
      complainedAt: s.complainedAt ?? at,
      held: [],
      flushAt: null,
    }));
    deps.logger.warn('notice marked as spam; not written to again', { to: maskAddress(r.emailAddress) });
  }
}

export interface DigestSummary {
  orgId: string;
  /** Mails the digest named (0: nothing happened, nothing was sent). */
  mails: number;
  sent: boolean;
  /** Why nothing was sent, when mail waited. */
  skipped?: 'notices-off' | 'no-admin' | 'admins-unreachable';
}

/** Admin digests: of one org or all now (`capture digest`), or of the orgs whose hour it is. */
export async function sendDigests(
  deps: NoticesDeps,
  which: { orgId: string } | { all: true } | { hour: number },
): Promise<DigestSummary[]> {
  const orgs = deps.registry.orgs.filter((org) =>
    'orgId' in which ? org.id === which.orgId : 'all' in which || org.notices.digestHour === which.hour,
  );
  const summaries: DigestSummary[] = [];
  for (const org of orgs) summaries.push(await sendDigest(deps, org));
  return summaries;
}

async function sendDigest(deps: NoticesDeps, org: Org): Promise<DigestSummary> {
  if (!org.notices.enabled) return { orgId: org.id, mails: 0, sent: false, skipped: 'notices-off' };
  if (org.notices.adminEmails.length === 0)
    return { orgId: org.id, mails: 0, sent: false, skipped: 'no-admin' };
  const listed = await deps.store.listDigestEntries(org.id, DIGEST_READ_MAX);
  const entries = await stillWaiting(deps, listed.entries);
  const total = listed.total - (listed.entries.length - entries.length);
  if (entries.length === 0) {
    await deps.store.deleteDigestEntries(listed.keys);
    return { orgId: org.id, mails: 0, sent: false };
  }
  const admins: string[] = [];
  for (const address of org.notices.adminEmails) {
    const { state } = await deps.store.getRecipient(address);
    const silenced = silencedBecause(state);
    if (silenced !== 'bounced' && silenced !== 'complained') admins.push(address);
  }
  // Kept for when an admin can be reached again (a registry change): the entries expire with the mail.
  if (admins.length === 0) return { orgId: org.id, mails: total, sent: false, skipped: 'admins-unreachable' };
  const { subject, text } = adminDigestText(org, entries, total);
  await deps.outbound.send({
    from: senderOf(deps.registry),
    to: admins,
    subject,
    text,
    headers: DIGEST_HEADERS,
  });
  await deps.store.deleteDigestEntries(listed.keys);
  deps.logger.info('admin digest sent', { orgId: org.id, mails: total, admins: admins.length });
  return { orgId: org.id, mails: total, sent: true };
}

/** Leaves out unresolved mail logged since (a rep's reply, `capture replay --unresolved`). */
async function stillWaiting(deps: NoticesDeps, entries: DigestEntry[]): Promise<DigestEntry[]> {
  const waiting = await Promise.all(
    entries.map(
      async (e) =>
        e.kind !== 'unresolved' || (await deps.mail.getUnresolved(e.orgId, e.sesMessageId)) !== null,
    ),
  );
  return entries.filter((_, i) => waiting[i]);
}
