/**
 * Order numbers: the org's own patterns plus defaults for labelled numbers ("Order #12345",
 * "Order No. 12345", "PO 4711", "SO-104233"). A bare number is never taken on its own, so dates,
 * phone numbers, postcodes and prices do not match.
 *
 * Org patterns run on RE2 (re2js), whose matching time is linear in the text: anyone can mail a
 * capture address, and a backtracking engine lets one crafted (or merely padded) mail stall the
 * parse for minutes; a pattern RE2 accepts can still backtrack in V8. RE2 has no lookaround or
 * backreferences: org patterns RE2 cannot compile are refused when the registry loads.
 * The defaults run on V8's engine (many times faster than re2js) because each is written to be
 * linear: no nested quantifiers, and no two adjacent quantifiers that can match the same
 * character (every optional token carries its own trailing `\s*`, so a whitespace run has
 * exactly one way to be split). The pathological-input tests cover each of them.
 */
import { RE2JS } from 're2js';
import type { OrderNumberConfig } from '../../config/registry.ts';

/** One match: where it starts and ends, and the number (first group, else the whole match). */
interface OrderHit {
  start: number;
  end: number;
  valueEnd: number;
  value: string;
}

/** A compiled pattern on either engine: the first match at or after `from`. */
type FindFrom = (text: string, from: number) => OrderHit | null;

export interface OrderMatcher {
  find: FindFrom;
  /** Reject a number followed by more digits behind separators (dates, prices, phone numbers). */
  guardTail: boolean;
}

/**
 * A default pattern on V8's engine. Each one's number group ends its match (at most a `\b`
 * follows it), so the match's end is the group's end: no `d` flag, whose match indices cost
 * more than the match on long text.
 */
function v8(source: string, flags: string): FindFrom {
  if (!/\)(?:\\b)?$/.test(source)) throw new Error(`order pattern must end with its group: ${source}`);
  const re = new RegExp(source, `${flags}g`);
  return (text, from) => {
    re.lastIndex = from;
    const m = re.exec(text);
    if (!m) return null;
    const start = m.index;
    const end = start + m[0].length;
    const group = m[1];
    return { start, end, valueEnd: end, value: (group ?? m[0]).trim() };
  };
}

/** An org pattern on RE2. */
function re2(pattern: RE2JS): FindFrom {
  const hasGroup = pattern.groupCount() > 0;
  return (text, from) => {
    const matcher = pattern.matcher(text);
    if (!matcher.find(from)) return null;
    // The first capture group is the number; without one (or when it did not take part), the whole match.
    const group = hasGroup && matcher.group(1) !== null ? 1 : 0;
    return {
      start: matcher.start(0),
      end: matcher.end(0),
      valueEnd: matcher.end(group),
      value: (matcher.group(group) ?? '').trim(),
    };
  };
}

const DEFAULT_PATTERNS: OrderMatcher[] = [
  // "Order #12345", "Order No. 12345", "order number: A-12345", "Purchase Order 4711", "Sales order ORD-1"
  {
    find: v8(
      String.raw`\b(?:purchase\s+order|sales\s+order|order|bestellung|auftrag|commande|pedido|ordine)\s*(?:(?:no\.?|nr\.?|num\.?|number|nummer|id|n[º°o]\.?|#)\s*)?(?:[:#]\s*)?(?:#\s*)?([A-Z]{1,5}-?\d{3,15}|\d{3,15}(?:-\d{1,6})?)`,
      'i',
    ),
    guardTail: true,
  },
  // "PO 4711", "PO#4711", "P.O. 4711", "PO-4711", "PO number 4711" (upper case only: "po" is a word in some languages)
  {
    find: v8(String.raw`\bP\.?O\.?\s*(?:(?:no\.?|number|#)\s*)?(?:[:#-]\s*)?(\d{3,15})`, ''),
    guardTail: true,
  },
  // "SO-104233", "SO104233"
  { find: v8(String.raw`\b(SO-?\d{4,12})\b`, ''), guardTail: false },
];

const DATE_LIKE = /^(?:\d{4}-\d{2}-\d{2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4})$/;
/** Candidates rejected per pattern and text before the rest of that text is skipped for that pattern. */
const MAX_REJECTED = 1_000;

/**
 * Compiles an org pattern (JavaScript syntax) for RE2. Throws when RE2 cannot run it, e.g. with
 * lookaround or backreferences: the registry check reports that as a bad field.
 */
export function compileOrderPattern(source: string): RE2JS {
  return RE2JS.compile(RE2JS.translateRegExp(source));
}

/** An org's matchers by its pattern settings: compiled once while the function is warm, not once a message. */
const MATCHERS = new WeakMap<OrderNumberConfig, OrderMatcher[]>();

export function orderNumberMatchers(config: OrderNumberConfig | undefined): OrderMatcher[] {
  if (!config) return DEFAULT_PATTERNS;
  const known = MATCHERS.get(config);
  if (known) return known;
  const own = (config.patterns ?? []).map((p) => ({ find: re2(compileOrderPattern(p)), guardTail: false }));
  const matchers = [...own, ...(config.useDefaults === false ? [] : DEFAULT_PATTERNS)];
  MATCHERS.set(config, matchers);
  return matchers;
}

/** Finds order numbers in the given texts, in order of appearance, without duplicates. */
export function findOrderNumbers(
  texts: readonly (string | null | undefined)[],
  matchers: OrderMatcher[],
  max = 20,
): string[] {
  const found: string[] = [];
  const seen = new Set<string>();
  for (const text of texts) {
    if (!text) continue;
    const hits: { index: number; value: string }[] = [];
    for (const matcher of matchers) hits.push(...matchAll(text, matcher));
    hits.sort((a, b) => a.index - b.index);
    for (const { value } of hits) {
      const key = value.toUpperCase();
      if (seen.has(key)) continue;
      // A default pattern's number inside an org pattern's match (ORD-10042 vs 10042) is the same order.
      if (found.some((f) => f.toUpperCase().endsWith(key) || key.endsWith(f.toUpperCase()))) continue;
      seen.add(key);
      found.push(value);
      if (found.length >= max) return found;
    }
  }
  return found;
}

function matchAll(text: string, { find, guardTail }: OrderMatcher): { index: number; value: string }[] {
  const hits: { index: number; value: string }[] = [];
  let from = 0;
  let rejected = 0;
  while (from <= text.length) {
    const hit = find(text, from);
    if (hit === null) break;
    const { start, end, valueEnd, value } = hit;
    const accepted =
      value !== '' && !DATE_LIKE.test(value) && !(guardTail && continuesAsNumber(text, valueEnd));
    if (accepted) hits.push({ index: start, value });
    else if (++rejected > MAX_REJECTED) break;
    // After a rejected candidate a later start may still match (the next keyword); after a hit, go past it.
    from = accepted ? Math.max(end, start + 1) : start + 1;
  }
  return hits;
}

/** True when separators (`/ . , : -`) followed by a digit come right after `end`: "12/05/2024", "1,234.00". */
function continuesAsNumber(text: string, end: number): boolean {
  for (let i = end; i < text.length && i < end + 64; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) return true;
    if (c !== 47 && c !== 46 && c !== 44 && c !== 58 && c !== 45) return false;
  }
  return false;
}
