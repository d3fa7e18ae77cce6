/**
 * Forwarded originals: inline forwards written by mail clients (Gmail, Outlook, Apple Mail,
 * Thunderbird, Yahoo, HubSpot… in many languages, via email-forward-parser; Lotus Notes / Domino
 * in forwarded-notes.ts) and messages attached as message/rfc822 parts.
 */
import EmailForwardParser from 'email-forward-parser';
import type { ForwardedOriginal, MailAddress } from '../captured-email.ts';
import { separatorSearch } from './forward-separator.ts';
import { parseForwardedDate } from './forwarded-date.ts';
import { findNotesForward, hasNotesSeparator } from './forwarded-notes.ts';
import { toMailAddress } from './gateway-address.ts';
import { findQuoteHeader, strippedSubject, subjectIntent } from './reply-quote.ts';

const forwardParser = new EmailForwardParser();

interface ForwardParserAddress {
  address?: string | null;
  name?: string | null;
}

/** An address the library read, back from gateway forms (IMCEA wrappers, Notes names, quoted lists). */
function toAddress(a: ForwardParserAddress | undefined | null): MailAddress | null {
  // Gmail's plain text marks the sender's name in bold as "*Jane Doe*".
  const name = (a?.name ?? '')
    .trim()
    .replace(/^\*(.+)\*$/, '$1')
    .trim();
  return toMailAddress(a?.address, name);
}

/** Inline forwards are looked for in this much text at most (the header block sits near the top). */
const MAX_SCAN_CHARS = 100_000;

type ForwardReading = ReturnType<EmailForwardParser['read']>;

/** Whether a body has a line the library takes for a forward separator (forward-separator.ts). */
export const hasSeparatorLine = separatorSearch(forwardParser);

/** The library's reading: first on the body alone (the block's own Subject line wins), then with the subject. */
function readForward(body: string, subject: string | null): ForwardReading | null {
  // Without a subject the library looks for separator lines only: none, nothing to read.
  if (hasSeparatorLine(body)) {
    const alone = forwardParser.read(body);
    if (alone.forwarded && alone.email) return alone;
  }
  if (!subject) return null;
  const withSubject = forwardParser.read(body, subject);
  return withSubject.forwarded && withSubject.email ? withSubject : null;
}

/** Croatian shares month names with Czech and Polish but means other months; its labels tell it apart. */
function languageOf(text: string): string | null {
  return /^[\s>]*(?:Šalje|Prima|Naslov)\s?:/m.test(text) ? 'hr' : null;
}

/**
 * A rule line (20 dashes or more) with a line naming an address at most two lines under it:
 * Outlook's <hr> above a header block, as the wrapped text shows it. Blank lines count as lines
 * (a run of them is no header block).
 */
const RULE_ABOVE_ADDRESS = /^[ \t]*-{20,}[ \t]*\n(?:[^\n]*\n){0,2}[^\n]{1,40}:[^\n]*@/m;

/**
 * The forwarded original in an HTML-only message. The HTML is converted a second time, unwrapped
 * (`unwrapped`, given by the MIME reader),
 * only when the wrapped text the MIME parser made hints at a forward (converting costs more than
 * the rest of forward finding): the subject says forwarded, the wrapped text already reads as a
 * forward, or it has a rule line with an address under it (Outlook's <hr> above a header block).
 */
export function findHtmlForward(
  wrappedText: string,
  unwrapped: () => string,
  subject: string | null,
  maxTextChars: number,
): ForwardedOriginal | null {
  const hinted =
    subjectIntent(subject) === 'forward' ||
    hasNotesSeparator(wrappedText.slice(0, MAX_SCAN_CHARS)) ||
    RULE_ABOVE_ADDRESS.test(wrappedText.slice(0, MAX_SCAN_CHARS)) ||
    hasInlineForward(wrappedText, subject, maxTextChars);
  if (!hinted) return null;
  return findInlineForward(unwrapped(), subject, 'inline-html', maxTextChars);
}

/**
 * Whether text above a forward separator is history: a reply's quote header ("On … wrote:"),
 * another client's forward separator, or a header block (a Subject line with a From or To line,
 * or Outlook's "-----Original Message-----") of a message quoted below a reply.
 */
function isHistory(above: string): boolean {
  if (!above.trim()) return false;
  if (/^[ \t]*-{3,}[ \t]*Original Message[ \t]*-{3,}/im.test(above)) return true;
  if (/^[ \t]*Subject[ \t]*:/im.test(above) && /^[ \t]*(?:From|To)[ \t]*:/im.test(above)) return true;
  return findQuoteHeader(above) !== -1 || hasSeparatorLine(above);
}

/**
 * The forwarded original written inline in a body, or null. A reply is never a forward: a reply
 * subject, or a reply quote header ("On … wrote:") before any forward separator, means no forward,
 * unless the subject says the message was forwarded. A Lotus Notes separator ("----- Forwarded by
 * … on … -----") says it was forwarded whatever the subject (Notes keeps the original's "RE:"),
 * unless history stands above it.
 */
export function findInlineForward(
  body: string,
  subject: string | null,
  source: 'inline-text' | 'inline-html',
  maxTextChars: number,
): ForwardedOriginal | null {
  const found = readInline(body, subject, source, maxTextChars);
  if (found === null || 'notes' in found) return found?.notes ?? null;
  const { text, result, from } = found;
  const originalSubject = result.email.subject?.trim() || strippedSubject(subject);
  const date = parseForwardedDate(result.email.date, languageOf(text));
  // A separator alone is not enough: the original must at least name a sender or a date.
  if (!from && !result.email.from?.name && !date) return null;
  const list = (items: unknown) =>
    (Array.isArray(items) ? (items as ForwardParserAddress[]) : [])
      .map(toAddress)
      .filter((a): a is MailAddress => a !== null);
  return {
    from,
    to: list(result.email.to),
    cc: list(result.email.cc),
    subject: originalSubject,
    date,
    messageId: null,
    source,
    text: (result.email.body ?? '').slice(0, maxTextChars),
  };
}

/**
 * Whether findInlineForward finds a forward in the body (the HTML hint): the same reading, but
 * the original's date is read only when the answer turns on it (no sender named).
 */
function hasInlineForward(body: string, subject: string | null, maxTextChars: number): boolean {
  const found = readInline(body, subject, 'inline-html', maxTextChars);
  if (found === null || 'notes' in found) return found !== null;
  const { text, result, from } = found;
  return (
    from !== null ||
    Boolean(result.email.from?.name) ||
    parseForwardedDate(result.email.date, languageOf(text)) !== null
  );
}

/** The first steps of findInlineForward: a Notes forward, or the library's reading and its sender. */
function readInline(
  body: string,
  subject: string | null,
  source: 'inline-text' | 'inline-html',
  maxTextChars: number,
): { notes: ForwardedOriginal } | { text: string; result: ForwardReading; from: MailAddress | null } | null {
  const text = body.slice(0, MAX_SCAN_CHARS);
  if (!text.trim()) return null;
  const notes = findNotesForward(text, { subject, source, maxTextChars, isHistory });
  if (notes) return { notes };
  const intent = subjectIntent(subject);
  if (intent === 'reply') return null;
  const quote = findQuoteHeader(text);
  if (quote !== -1 && intent !== 'forward' && !readForward(text.slice(0, quote), subject)) return null;
  const result = readForward(text, subject);
  if (!result) return null;
  return { text, result, from: toAddress(result.email.from as ForwardParserAddress) };
}

/** Forwards followed inside a forward at most (a colleague's forward of a customer's mail, …). */
const MAX_FORWARD_CHAIN = 5;

/**
 * A forward of a forward: while the original found was written by a colleague (`isColleague`), or
 * by someone named without an internet address (a Notes user, an Exchange directory name), and
 * its own text holds a forwarded message, the innermost one is the original the mail is about.
 * Each step reads only the previous original's bounded text.
 */
export function followForwardChain(
  first: ForwardedOriginal | null,
  isColleague: (address: string) => boolean,
  maxTextChars: number,
): ForwardedOriginal | null {
  let original = first;
  for (let step = 0; original && step < MAX_FORWARD_CHAIN; step++) {
    if (original.from && !isColleague(original.from.address)) break;
    const source = original.source === 'attachment' ? 'inline-text' : original.source;
    const inner = findInlineForward(original.text, original.subject, source, maxTextChars);
    if (!inner) break;
    original = inner;
  }
  return original;
}
