/**
 * A rep's reply to a notice, read: `stop`, or where the unresolved mail belongs (docs/notices.md).
 * Only the first lines the rep wrote count (the quoted notice below them never does), and the
 * scan is bounded. Then the choice is applied to the mail so the sync stage logs it there. Pure.
 */
import type { Org } from '../../config/registry.ts';
import type { CapturedEmail, Participant, Resolution } from '../captured-email.ts';
import { isInternalAddress } from '../internal-address.ts';
import { findOrderNumbers, orderNumberMatchers } from '../parse/order-numbers.ts';
import { isRecordId, isWhatRecordId } from '../record-id.ts';

/** Lines of the reply read, and characters of each. */
export const CHOICE_LINES = 5;
export const CHOICE_LINE_CHARS = 500;

export type RepChoice =
  | { kind: 'stop' }
  | { kind: 'none' }
  | {
      kind: 'choice';
      /** A Contact's id (003…) or email address for the WhoId. */
      whoId: string | null;
      whoEmail: string | null;
      /** A record id (Account, Opportunity, Order or Case: isWhatRecordId) or an order number for the WhatId. */
      what: string | null;
    };

/** Where the quoted part of a reply starts, in the common clients' words. */
const QUOTE_START = [
  /^>/,
  /^On .{1,300} wrote:\s*$/i,
  /^Am .{1,300} schrieb .{0,200}:\s*$/i,
  /^Le .{1,300} a écrit\s*:\s*$/i,
  /^-{2,}\s*(Original Message|Ursprüngliche Nachricht|Message d'origine)\s*-{2,}/i,
  /^_{5,}\s*$/,
  /^From:\s/i,
  /^Von:\s/i,
  /^De\s?:\s/i,
];
const CONTACT_PREFIX = '003';

/** The lines the rep wrote above the quoted notice: at most CHOICE_LINES non-empty ones. */
export function ownLines(text: string): string[] {
  const lines: string[] = [];
  // A line longer than the cap is cut; the scan never reads past this many characters.
  const head = text.slice(0, CHOICE_LINES * (CHOICE_LINE_CHARS + 2) * 4);
  for (const raw of head.split(/\r?\n/)) {
    const line = raw.trim().slice(0, CHOICE_LINE_CHARS);
    if (QUOTE_START.some((re) => re.test(line))) break;
    if (line === '') continue;
    lines.push(line);
    if (lines.length >= CHOICE_LINES) break;
  }
  return lines;
}

export function readRepChoice(text: string, org: Org, captureDomain: string): RepChoice {
  const lines = ownLines(text);
  const first = lines[0]?.toLowerCase().replace(/[.!]+$/, '');
  if (first === 'stop' || first === 'unsubscribe') return { kind: 'stop' };
  let whoId: string | null = null;
  let whoEmail: string | null = null;
  let what: string | null = null;
  for (const word of lines.flatMap((l) => l.split(/[\s,;]+/)).map(unwrap)) {
    if (word === '') continue;
    const id = recordIdIn(word);
    if (id?.startsWith(CONTACT_PREFIX)) whoId ??= id;
    else if (id && isWhatRecordId(id)) what ??= id;
    else if (isEmailAddress(word) && !ours(word, org, captureDomain)) whoEmail ??= word.toLowerCase();
  }
  what ??= orderNumberIn(lines, org);
  if (whoId && whoEmail) whoEmail = null;
  if (!whoId && !whoEmail && !what) return { kind: 'none' };
  return { kind: 'choice', whoId, whoEmail, what };
}

/** `<x>`, `(x)`, `"x"`, `x.` → x; `mailto:x` → x. */
function unwrap(word: string): string {
  return word
    .replace(/^[<("'[]+|[>)"'\].:!?]+$/g, '')
    .replace(/^mailto:/i, '')
    .trim();
}

/** A record id written as is, or the id in a Salesforce link (Lightning or Classic). */
function recordIdIn(word: string): string | null {
  if (/^https?:\/\//i.test(word)) {
    let url: URL;
    try {
      url = new URL(word);
    } catch {
      return null;
    }
    if (
      !/(\.force\.com|\.salesforce\.com|\.salesforce-setup\.com|localhost|127\.0\.0\.1)$/i.test(url.hostname)
    )
      return null;
    const segments = url.pathname.split('/').filter(Boolean).slice(0, 8);
    return segments.find((s) => isRecordId(s) && /\d/.test(s)) ?? null;
  }
  return isRecordId(word) && /\d/.test(word) && /^[a-zA-Z0-9]{3}/.test(word) ? word : null;
}

function isEmailAddress(word: string): boolean {
  return word.length <= 254 && /^[^\s@<>()]+@[^\s@<>()]+\.[a-z]{2,}$/i.test(word);
}

/** The rep's own colleagues and Capture's addresses are never the Contact a mail was with. */
function ours(address: string, org: Org, captureDomain: string): boolean {
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  return isInternalAddress(org, address) || domain === captureDomain || domain.endsWith(`.${captureDomain}`);
}

/**
 * An order number as the org's patterns find it in the rep's lines; else a first line that is
 * one word holding a digit (the rep answered with the number alone: "10042").
 */
function orderNumberIn(lines: string[], org: Org): string | null {
  const found = findOrderNumbers(lines, orderNumberMatchers(org.orderNumbers), 1)[0];
  if (found) return found;
  const only = lines[0]?.replace(/^#/, '').replace(/[.!]+$/, '');
  if (!only || recordIdIn(only)) return null;
  return /^[A-Za-z0-9][A-Za-z0-9._/-]{2,39}$/.test(only) && /\d/.test(only) ? only : null;
}

/**
 * The mail as the rep wants it logged: the resolution says so, a named Contact's address joins
 * the people the Task may be with (first, so it wins the WhoId), and the record or order number
 * becomes the mail's sub-address target (the first WhatId rule).
 */
export function applyRepChoice(
  email: CapturedEmail,
  choice: Extract<RepChoice, { kind: 'choice' }>,
  by: string,
  at: Date,
): CapturedEmail {
  const resolution: Resolution = {
    by,
    at: at.toISOString(),
    whoId: choice.whoId,
    whoEmail: choice.whoEmail,
    what: choice.what,
  };
  const participants = choice.whoEmail
    ? [chosenParticipant(email, choice.whoEmail), ...email.participants]
    : email.participants;
  const capture = email.capture && choice.what ? { ...email.capture, target: choice.what } : email.capture;
  return { ...email, participants, capture, resolution };
}

/** The named Contact in the role the Who rules look at first for this mail's direction. */
function chosenParticipant(email: CapturedEmail, address: string): Participant {
  const role: Participant['role'] = email.forwarded
    ? 'forwarded-from'
    : email.direction === 'outbound'
      ? 'to'
      : 'from';
  return { address, name: '', role, internal: false };
}
