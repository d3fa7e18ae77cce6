/**
 * Forwards written by Lotus Notes / HCL Domino, which email-forward-parser does not know:
 *
 *     ---------------------- Forwarded by Ruth Mallory/Sales/ACME on 10/14/2026 10:02 AM ---------------------------
 *
 *     "Jane Doe" <jane.doe@globex.example> on 10/13/2026 04:15:22 PM
 *     To: ruth.mallory@acme.example
 *     cc:
 *     Subject: RE: Delivery window
 *
 * The separator comes dashed (R4), short (`----- Forwarded by … -----`, R5 and later) or wrapped
 * over two lines by a mailer; the header under it names the sender with its date on the same line (`… on
 * <date>`) or on the next one, indented with tabs, in a flattened table on one line, as HTML
 * table cells with the labels in their own cells and no colons, or as an Outlook header block
 * (`From:`, `Sent:`, `To:`, `Subject:`). Notes keeps the original's subject, so a forward often
 * says `RE:`: the separator, not the subject, says it is a forward. A reply that quotes history
 * holding such a separator is not a forward: the caller decides that from the text above the
 * separator.
 *
 * Every scan is linear in the bounded text it is given; each line is looked at a fixed number
 * of times, and only text that holds the separator's words is split into lines at all.
 */
import addressparser from 'nodemailer/lib/addressparser';
import type { ForwardedOriginal, MailAddress } from '../captured-email.ts';
import { parseForwardedDate } from './forwarded-date.ts';
import { readMailboxText, toMailAddress } from './gateway-address.ts';

/** The words every Notes separator holds. */
const SEPARATOR_WORDS = /forwarded by/i;

/**
 * What a separator says between its dashes: "Forwarded by <name> on <date>". Anchored, one greedy
 * run: linear in the line.
 */
const SEPARATOR_TEXT = /^Forwarded by\s+\S.*\son\s+\S.*$/i;
/** Separator lines are about a hundred characters; a longer one is not read. */
const MAX_SEPARATOR_CHARS = 400;

/** Lines longer than this are not separator or header lines. */
const MAX_LINE_CHARS = 2_000;
/** Lines after the separator searched for the header block. */
const MAX_HEADER_LINES = 30;

/** A Notes header label at the start of a segment; Notes' HTML writes the labels without colons. */
const LABEL =
  /^(from|to|cc|bcc|subject|sent by|sent|date|reply-to|please respond to)(?:\s*:\s*|\t+|\s{2,}|\s*$)(.*)$/i;
/** Where a flattened header line holds the next label (HTML keeps one space of Notes' tabs). */
const LABEL_SPLIT = /\s(?=(?:to|cc|bcc|subject)\s*:)/i;
/** A numeric date as Notes prints it, with its time and zone when given: "10/13/2026 04:15:22 PM". */
const NUMERIC_DATE =
  /\d{1,4}[./-]\d{1,2}[./-]\d{1,4}(?:[ \t,]+(?:at[ \t]+)?\d{1,2}[:.]\d{2}(?:[:.]\d{2})?(?:[ \t]*[AaPp]\.?[Mm]\.?)?)?(?:[ \t]+(?:[A-Z]{2,5}|[+-]\d{4}))?/;

type Label = 'from' | 'to' | 'cc' | 'bcc' | 'subject' | 'sent' | 'ignored';

interface NotesHeader {
  sender: string;
  date: string | null;
  to: string[];
  cc: string[];
  subject: string | null;
  /** The line the original's body starts at. */
  bodyLine: number;
}

/** Lines of the text, each with its character offset. */
interface Lines {
  text: string[];
  offsets: number[];
}

function splitLines(text: string): Lines {
  const out: Lines = { text: [], offsets: [] };
  let offset = 0;
  for (const line of text.split('\n')) {
    out.text.push(line.endsWith('\r') ? line.slice(0, -1) : line);
    out.offsets.push(offset);
    offset += line.length + 1;
  }
  return out;
}

/** The text between a line's leading and trailing runs of three or more dashes, or null. */
function betweenDashes(line: string): string | null {
  const text = line.trim();
  if (text.length > MAX_SEPARATOR_CHARS) return null;
  let start = 0;
  while (text[start] === '-') start++;
  let end = text.length;
  while (end > start && text[end - 1] === '-') end--;
  if (start < 3 || text.length - end < 3) return null;
  return text.slice(start, end).trim();
}

/** Whether the line (joined with the next when a mailer wrapped it) is a Notes separator; how many lines it took. */
function separatorAt(lines: string[], i: number): number {
  const line = lines[i] ?? '';
  if (line.length > MAX_SEPARATOR_CHARS || !SEPARATOR_WORDS.test(line)) return 0;
  const inner = betweenDashes(line);
  if (inner !== null && SEPARATOR_TEXT.test(inner)) return 1;
  const next = lines[i + 1];
  if (next === undefined || !line.trimStart().startsWith('---')) return 0;
  const joined = betweenDashes(`${line.trimEnd()} ${next.trim()}`);
  return joined !== null && SEPARATOR_TEXT.test(joined) ? 2 : 0;
}

/** Whether the text holds a Notes separator line at all (cheap: the words first). */
export function hasNotesSeparator(text: string): boolean {
  if (!SEPARATOR_WORDS.test(text)) return false;
  const lines = text.split('\n');
  return lines.some((_line, i) => separatorAt(lines, i) > 0);
}

function labelOf(word: string): Label {
  const key = word.toLowerCase();
  if (key === 'from' || key === 'to' || key === 'cc' || key === 'bcc' || key === 'subject') return key;
  if (key === 'sent' || key === 'date') return 'sent';
  return 'ignored';
}

/**
 * The segments of a header line: a flattened table holds several labels on one line. The Subject
 * comes last and its value is never split ("Subject: Reply to: the invoice").
 */
function segments(line: string): string[] {
  const out: string[] = [];
  let rest = line.trim();
  for (let i = 0; i < 8 && rest && !/^subject\s*:/i.test(rest); i++) {
    const match = LABEL_SPLIT.exec(rest);
    if (!match || match.index === 0) break;
    out.push(rest.slice(0, match.index).trim());
    rest = rest.slice(match.index + match[0].length).trim();
  }
  if (rest) out.push(rest);
  return out;
}

class HeaderReader {
  readonly senderParts: string[] = [];
  date: string | null = null;
  readonly to: string[] = [];
  readonly cc: string[] = [];
  subject: string | null = null;
  labels = 0;
  private current: Label | null = null;

  /** Takes one segment; false when the text cannot be a header block. */
  take(segment: string): boolean {
    const match = LABEL.exec(segment);
    if (match?.[1]) return this.label(labelOf(match[1]), (match[2] ?? '').trim());
    if (this.labels === 0) {
      this.senderParts.push(segment);
      return this.senderParts.length <= 4;
    }
    if (this.date === null && NUMERIC_DATE.test(segment) && !segment.includes('@')) this.date = segment;
    else if (this.current === 'to') this.to.push(segment);
    else if (this.current === 'cc') this.cc.push(segment);
    return true;
  }

  private label(label: Label, value: string): boolean {
    this.labels++;
    this.current = label;
    if (label === 'from') this.senderParts.splice(0, this.senderParts.length, value);
    else if (label === 'sent') this.date = value || this.date;
    else if (label === 'to') this.to.push(value);
    else if (label === 'cc') this.cc.push(value);
    else if (label === 'subject') this.subject = value;
    return true;
  }
}

/** The header block under a separator: sender (and date), To, cc, Subject; null when there is none. */
function readHeader(lines: string[], start: number): NotesHeader | null {
  const reader = new HeaderReader();
  let i = start;
  const last = Math.min(lines.length, start + MAX_HEADER_LINES);
  for (; i < last; i++) {
    const line = lines[i] ?? '';
    if (line.length > MAX_LINE_CHARS) return null;
    if (line.trim() === '') continue;
    if (reader.subject !== null) break;
    for (const segment of segments(line)) if (!reader.take(segment)) return null;
  }
  if (reader.labels === 0 || reader.senderParts.length === 0) return null;
  if (reader.subject === null && reader.to.length === 0) return null;
  const sender = reader.senderParts.join(' ');
  return {
    ...senderAndDate(sender, reader.date),
    to: reader.to,
    cc: reader.cc,
    subject: reader.subject,
    bodyLine: i,
  };
}

/** "\"Jane Doe\" <jane@x> on 10/13/2026 04:15 PM" → the sender and the date text. */
function senderAndDate(raw: string, labelled: string | null): { sender: string; date: string | null } {
  const text = raw.replace(/\s+/g, ' ');
  const afterAddress = Math.max(text.lastIndexOf('>'), text.lastIndexOf(']')) + 1;
  const match = NUMERIC_DATE.exec(text.slice(afterAddress));
  if (!match) return { sender: text.trim(), date: labelled };
  const at = afterAddress + match.index;
  const sender = text
    .slice(0, at)
    .replace(/ on ?$/i, '')
    .trim();
  return { sender, date: labelled ?? match[0] };
}

/** The addresses of To/cc values (one line or several), each read back from gateway forms. */
function addressList(values: string[]): MailAddress[] {
  const out: MailAddress[] = [];
  for (const value of values) {
    for (const entry of addressparser(value.slice(0, 4_000), { flatten: true })) {
      const address = toMailAddress(entry.address, entry.name);
      if (address) out.push(address);
    }
  }
  return out;
}

/** The first Notes separator: its line and how many lines it spans. */
function firstSeparator(lines: string[]): { line: number; span: number } | null {
  for (let i = 0; i < lines.length; i++) {
    const span = separatorAt(lines, i);
    if (span > 0) return { line: i, span };
  }
  return null;
}

export interface NotesForwardOptions {
  /** The message's own subject: the original's when its header has none (Notes keeps it). */
  subject: string | null;
  source: 'inline-text' | 'inline-html';
  maxTextChars: number;
  /** Whether the text above the separator is history (a reply's quote, another forward's header). */
  isHistory: (above: string) => boolean;
}

/**
 * The original a Notes forward carries, read from its first separator, or null when the text has
 * no Notes separator, the text above it is history, or no header block follows it.
 */
export function findNotesForward(text: string, options: NotesForwardOptions): ForwardedOriginal | null {
  if (!SEPARATOR_WORDS.test(text)) return null;
  const lines = splitLines(text);
  const found = firstSeparator(lines.text);
  if (!found) return null;
  if (options.isHistory(text.slice(0, lines.offsets[found.line]))) return null;
  let start = found.line + found.span;
  // Notes stacks one separator per hop when a forward is forwarded again without a note.
  for (let guard = 0; start < lines.text.length && guard < MAX_HEADER_LINES; guard++) {
    const span = separatorAt(lines.text, start);
    if (span > 0) start += span;
    else if ((lines.text[start] ?? '').trim() === '') start++;
    else break;
  }
  const header = readHeader(lines.text, start);
  if (!header) return null;
  const sender = readMailboxText(header.sender);
  const date = header.date ? parseForwardedDate(header.date, null) : null;
  if (!sender.address && !sender.name && !date) return null;
  let body = header.bodyLine;
  while (body < lines.text.length && (lines.text[body] ?? '').trim() === '') body++;
  const bodyText = body < lines.text.length ? text.slice(lines.offsets[body]) : '';
  return {
    from: sender.address ? { address: sender.address, name: sender.name } : null,
    to: addressList(header.to),
    cc: addressList(header.cc),
    subject: header.subject?.trim() || options.subject,
    date,
    messageId: null,
    source: options.source,
    text: bodyText.slice(0, options.maxTextChars),
  };
}
