/**
 * What notices say, in plain words: to a rep about one mail or several (a folded digest), the
 * one-line answer to a rep's reply, and the admin digest. Pure: values in, subject and text out.
 */
import type { Resolution } from '../captured-email.ts';
import type { DigestKind, NoticeKind } from './notice-policy.ts';

/** One mail a notice to a rep is about. */
export interface NoticeItem {
  kind: NoticeKind;
  orgId: string;
  sesMessageId: string;
  messageId: string | null;
  subject: string | null;
  date: string | null;
  reason: string | null;
  cutShort: string[];
  /** Where the rep writes to log it (unresolved mail only). */
  replyAddress: string | null;
  taskId: string | null;
  resolution: Resolution | null;
}

/** One mail waiting for the admin digest. */
export interface DigestEntry {
  orgId: string;
  sesMessageId: string;
  messageId: string | null;
  subject: string | null;
  date: string | null;
  kind: DigestKind;
  reason: string | null;
  mode: 'bcc' | 'forward';
  /** The rep who BCC'd it, when known. */
  rep: string | null;
  at: string;
}

export interface NoticeText {
  subject: string;
  text: string;
}

/** Reasons in words a rep or an admin reads without the docs; unknown ones are quoted as given. */
const WHY: Record<string, string> = {
  'no-contact-or-lead': 'nobody it was sent to or received from is a Contact or Lead in Salesforce',
  'no-external-participant': 'it names nobody outside your company to log it with',
  virus: 'the mail scanner found a virus in it',
  spam: 'the mail scanner took it for spam',
  'dmarc-fail': 'its sender address failed the DMARC check, so it may not come from its sender',
  'sender-not-authenticated':
    'its sender could not be proven (no DMARC, SPF or DKIM pass for the From domain)',
  'invalid queue message': 'the pipeline could not read its own message about it',
};

export function reasonInWords(reason: string | null): string {
  if (!reason) return 'no reason was recorded';
  const known = WHY[reason];
  if (known) return known;
  return `Salesforce or the pipeline said: ${oneLine(reason, 300)}`;
}

const oneLine = (text: string, max: number) => {
  const line = text.replace(/[\r\n\t]+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
};

const subjectOf = (item: { subject: string | null }) => oneLine(item.subject || '(no subject)', 120);

const HEADLINE: Record<NoticeKind, string> = {
  unresolved: 'Not logged in Salesforce',
  'still-unresolved': 'Still not logged in Salesforce',
  failed: 'Not logged in Salesforce',
  quarantined: 'Not logged in Salesforce',
  'cut-short': 'Logged in Salesforce with parts left out',
  logged: 'Logged in Salesforce',
};

/** Where the rep said the mail belongs, as they said it. */
export function resolutionInWords(resolution: Resolution): string {
  const parts: string[] = [];
  if (resolution.what) parts.push(resolution.what);
  if (resolution.whoId) parts.push(`Contact ${resolution.whoId}`);
  if (resolution.whoEmail) parts.push(resolution.whoEmail);
  return parts.join(' with ') || 'the record you named';
}

/** The one line answering a rep's reply that logged the mail. */
export function loggedLine(item: NoticeItem): string {
  const where = item.resolution ? ` on ${resolutionInWords(item.resolution)}` : '';
  return `Logged in Salesforce as Task ${item.taskId ?? '(id not known)'}${where}: "${subjectOf(item)}".`;
}

const HOW_TO_FIX = [
  'one of these on the first line:',
  '  - the email address or Salesforce id of the Contact it was with,',
  '  - a Salesforce record id or link (Account, Opportunity, Order, Case or Contract),',
  '  - an order number.',
  'Capture then logs it there and answers in one line.',
];

function itemLines(item: NoticeItem, folded: boolean): string[] {
  if (item.kind === 'logged') return [loggedLine(item)];
  const lines = [`  Subject: ${subjectOf(item)}`, `  Date:    ${oneLine(item.date ?? '(none)', 80)}`];
  if (item.kind === 'cut-short') {
    lines.push(`  Left out: ${oneLine(item.cutShort.join('; ') || 'parts of it', 600)}`);
    if (item.taskId) lines.push(`  Task:    ${item.taskId}`);
  } else {
    lines.push(`  Why:     ${reasonInWords(item.reason)}.`);
  }
  if (item.kind === 'still-unresolved' && item.resolution)
    lines.push(`  You named: ${resolutionInWords(item.resolution)}, which Salesforce did not find.`);
  if (item.replyAddress && folded)
    lines.push(`  To log it, write to ${item.replyAddress} with ${HOW_TO_FIX[0]}`);
  return lines;
}

const STOP_LINE = 'Reply "stop" to get no more of these notices.';

/**
 * A notice about one mail, or a folded digest of several (the rate limit's window ended); `more`
 * counts the mails held beyond what one digest lists.
 */
export function repNoticeText(items: NoticeItem[], more = 0): NoticeText {
  const [only] = items;
  if (items.length === 1 && only && more === 0) {
    if (only.kind === 'logged')
      return { subject: `Logged: ${subjectOf(only)}`, text: `${loggedLine(only)}\n` };
    const lines = [`${HEADLINE[only.kind]}:`, '', ...itemLines(only, false), ''];
    if (only.replyAddress) lines.push(`To log it, reply with ${HOW_TO_FIX[0]}`, ...HOW_TO_FIX.slice(1), '');
    else if (only.kind === 'failed' || only.kind === 'quarantined')
      lines.push('Your Salesforce admin has it in the daily digest and can send it through again.', '');
    lines.push(STOP_LINE);
    return { subject: `${HEADLINE[only.kind]}: ${subjectOf(only)}`, text: `${lines.join('\n')}\n` };
  }
  const total = items.length + more;
  const lines = [`${total} of your mails need a look:`, ''];
  for (const item of items) lines.push(`${HEADLINE[item.kind]}:`, ...itemLines(item, true), '');
  if (more > 0) lines.push(`…and ${more} more not listed here.`, '');
  if (items.some((i) => i.replyAddress)) lines.push(...HOW_TO_FIX.slice(1), '');
  lines.push(STOP_LINE);
  return { subject: `Capture: ${total} of your mails need a look`, text: `${lines.join('\n')}\n` };
}

/** Short answers to a rep's reply that did not log anything. */
export function replyAnswerText(
  kind: 'unreadable' | 'stopped' | 'expired' | 'several',
  subject: string | null,
): NoticeText {
  const about = oneLine(subject || '(no subject)', 120);
  switch (kind) {
    case 'several':
      return {
        subject: 'Which mail?',
        text: 'That notice was about several mails: write to the address listed under the one you mean.\n',
      };
    case 'unreadable':
      return {
        subject: `Not understood: ${about}`,
        text: `Capture found no Contact, record or order number in the first lines of your reply. Reply again with ${HOW_TO_FIX.join('\n')}\n`,
      };
    case 'stopped':
      return {
        subject: 'Capture notices stopped',
        text: 'You will get no more notices from Capture about mail it could not log.\n',
      };
    case 'expired':
      return {
        subject: `Nothing to log: ${about}`,
        text: 'This mail is no longer waiting to be logged: it was logged already, or it is no longer kept.\n',
      };
  }
}

const DIGEST_ORDER: DigestKind[] = ['unresolved', 'quarantined', 'failed'];
/** Mails listed one by one in an admin digest; the counts cover them all. */
export const DIGEST_LISTED = 50;

/** The admin digest: counts by reason, the mails, and the commands that act on them. */
export function adminDigestText(
  org: { id: string; name?: string | undefined },
  entries: DigestEntry[],
  total: number,
): NoticeText {
  const counts = new Map<string, number>();
  for (const e of entries) {
    const key = `${e.kind} — ${reasonInWords(e.reason)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const name = org.name ? `${org.name} (${org.id})` : org.id;
  const lines = [
    `Capture digest for ${name}: ${total} ${total === 1 ? 'mail' : 'mails'} could not be logged since the last digest.`,
    '',
  ];
  for (const [key, n] of [...counts].sort((a, b) => b[1] - a[1]))
    lines.push(`  ${String(n).padStart(5)}  ${key}`);
  if (entries.length < total) lines.push(`  (counted from the ${entries.length} read; ${total} in all)`);
  for (const kind of DIGEST_ORDER) {
    const of = entries.filter((e) => e.kind === kind).slice(0, DIGEST_LISTED);
    if (of.length === 0) continue;
    lines.push('', `${kind[0]?.toUpperCase()}${kind.slice(1)}:`);
    for (const e of of) {
      const via = e.mode === 'forward' ? 'forward address' : `BCC by ${e.rep ?? 'a rep'}`;
      lines.push(`  - "${subjectOf(e)}" (${via}; ${oneLine(e.date ?? 'no date', 60)})`);
      lines.push(`    Message-ID ${e.messageId ?? '(none)'}, SES id ${e.sesMessageId}`);
    }
  }
  lines.push('', 'To act on them:');
  if (entries.some((e) => e.kind === 'unresolved'))
    lines.push(
      `  npx capture replay --unresolved --org ${org.id}   log unresolved mail again once its Contacts exist`,
    );
  if (entries.some((e) => e.kind === 'failed'))
    lines.push('  npx capture replay --dlq   send failed mail through again once the cause is fixed');
  if (entries.some((e) => e.kind === 'quarantined'))
    lines.push(
      '  (quarantined mail is never logged; its raw copy stays in the mail bucket under raw/<SES id>)',
    );
  lines.push('  npx capture status <Message-ID>   what happened to one mail');
  return {
    subject: `Capture digest for ${org.id}: ${total} ${total === 1 ? 'mail' : 'mails'} not logged`,
    text: `${lines.join('\n')}\n`,
  };
}
