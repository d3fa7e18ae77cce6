/**
 * Replies are not forwards. A reply says so in two places: its subject ("Re:", "AW:", "SV:"…
 * before any forward prefix) and the line a client writes above the quoted message
 * ("On 28/10/2021 12:46, "John Doe" <john@x> wrote:", "Le … a écrit :", "Am … schrieb …:").
 * Outlook for Mac writes that same line above a forwarded message, so a forward prefix in the
 * subject ("FW:", "WG:", "TR:"…) wins over the line.
 */
import { isSpace } from './bounded-text.ts';

/** Forward prefixes in the languages of the clients email-forward-parser knows. */
const FORWARD_PREFIXES = new Set(
  [
    'fw',
    'fwd',
    'vs',
    'wg',
    'rv',
    'tr',
    'i',
    'pd',
    'enc',
    'redir',
    'vb',
    'vl',
    'videresend',
    'ilt',
    'doorst',
    'wl',
    'trs',
    'πρθ',
    '转发',
    '轉寄',
    '転送',
    '전달',
  ].map((p) => p.toLowerCase()),
);

/** Reply prefixes: Re, AW (de), SV (da/no/sv), Antw (nl), R/RIF (it), RES (pt-br), Odp (pl), Vá (hu), Ynt (tr), Отв/Відп (ru/uk). */
const REPLY_PREFIXES = new Set(
  [
    're',
    'aw',
    'sv',
    'antw',
    'antwort',
    'r',
    'rif',
    'res',
    'odp',
    'vá',
    'ynt',
    'yanit',
    'отв',
    'відп',
    'odg',
    'atb',
    'resp',
    'απ',
    'σχετ',
    '回复',
    '回覆',
    '答复',
    '返信',
    '회신',
    'vast',
    'ri',
  ].map((p) => p.toLowerCase()),
);

const PREFIX = /^\s*([\p{L}.]{1,12}?)\.?\s*(?:\[\d+\]|\(\d+\))?\s*[:：]/u;

/** What the subject's first prefix says the message is, if anything. */
/** A prefix compared without case or dots ("İLT" → "ilt", "Redir." → "redir"). */
const prefixKey = (prefix: string) =>
  prefix
    .toLowerCase()
    .normalize('NFD')
    .replace(/\u0307/g, '')
    .replace(/\.$/, '')
    .normalize('NFC');

/** Tags gateways put before the prefixes: "[EXTERNAL] FW: …", "[ext] Re: …". */
const TAGS = /^\s*(?:\[[^\]\n]{1,30}\]\s*)+/;

export function subjectIntent(subject: string | null | undefined): 'reply' | 'forward' | null {
  if (!subject) return null;
  const match = PREFIX.exec(subject.normalize('NFC').replace(TAGS, '').slice(0, 40));
  const prefix = match?.[1] ? prefixKey(match[1]) : null;
  if (!prefix) return null;
  if (FORWARD_PREFIXES.has(prefix)) return 'forward';
  if (REPLY_PREFIXES.has(prefix)) return 'reply';
  return null;
}

/** The subject without its leading forward and reply prefixes ("FW: RE: Offer" → "Offer"). */
export function strippedSubject(subject: string | null | undefined): string | null {
  if (!subject) return null;
  let rest = subject.replace(TAGS, '');
  for (let i = 0; i < 5; i++) {
    const match = PREFIX.exec(rest);
    const prefix = match?.[1] ? prefixKey(match[1]) : null;
    if (!match || !prefix || !(FORWARD_PREFIXES.has(prefix) || REPLY_PREFIXES.has(prefix))) break;
    rest = rest.slice(match[0].length);
  }
  return rest.trim() || null;
}

/** Verbs clients put after (or before) the quoted author. */
const VERBS = [
  'wrote',
  'writes',
  'a écrit',
  'schrieb',
  'escribió',
  'ha scritto',
  'scrisse',
  'geschreven',
  'schreef',
  'escreveu',
  'skrev',
  'skrev følgende den',
  'följande',
  'napsal\\(a\\)',
  'napsal',
  'napisał\\(a\\)',
  'napisała',
  'napisał',
  'napísal',
  'kirjoitti',
  'ezt írta',
  'написал\\(а\\)',
  'написала',
  'написал',
  'пишет',
  'написав',
  'tarihinde şunu yazdı',
  'yazdı',
  'a scris',
  'je napisao',
  'kirjutas',
  'έγραψε',
  '写道',
  '寫道',
  '작성',
].join('|');

/** An address as clients print it beside the author: <a@b>, [a@b], (<a@b>), [mailto:a@b] or bare. */
const ADDRESS = String.raw`(?:[<\[(]\s*(?:mailto:)?[^\s<>\[\]()]+@[^\s<>\[\]()]+\s*[>\])]|[^\s<>@]+@[^\s<>@]+\.[^\s<>@,]+)`;

const HAS_ADDRESS = new RegExp(ADDRESS, 'u');
const HAS_VERB = new RegExp(String.raw`(?<![\p{L}])(?:${VERBS})(?![\p{L}])`, 'iu');

/**
 * Whether the line ends in a colon (ASCII or full-width), trailing whitespace aside: read from the
 * end, so a long line costs no more than a short one (a pattern anchored at the end would try
 * every position of it).
 */
function endsInColon(line: string): boolean {
  let i = line.length - 1;
  while (i >= 0 && isSpace(line.charCodeAt(i))) i--;
  return line[i] === ':' || line[i] === '：';
}

/** A quote header: a line (two when Gmail wraps it) holding an address and a verb, ending in a colon. */
function isQuoteHeader(line: string): boolean {
  if (line.length > 600 || !endsInColon(line) || !HAS_ADDRESS.test(line)) return false;
  // Japanese Gmail has no verb: "2026年10月14日(水) 9:41 Jane Doe <jane@x>:".
  return HAS_VERB.test(line) || /\d{4}年\d{1,2}月\d{1,2}日.*[>\]]\s*[:：]\s*$/u.test(line);
}

/** Index of the first reply quote header in the text, or -1. Scans a bounded prefix only. */
export function findQuoteHeader(text: string, maxChars = 200_000): number {
  const scan = text.slice(0, maxChars).replace(/\r\n/g, '\n');
  let offset = 0;
  const lines = scan.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (isQuoteHeader(line)) return offset;
    // Gmail wraps a long header: "On Wed, … John Doe <john@x>" then "wrote:" on the next line.
    // (Joined, the two end as the second does: only a second line ending in a colon can make one.)
    const next = lines[i + 1];
    if (
      next !== undefined &&
      endsInColon(next) &&
      next.trim().length <= 40 &&
      isQuoteHeader(`${line} ${next}`)
    )
      return offset;
    offset += line.length + 1;
  }
  return -1;
}
