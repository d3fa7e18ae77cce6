/**
 * Order numbers: the org's own patterns plus defaults for labelled numbers ("Order #12345",
 * "Order No. 12345", "PO 4711", "SO-104233"). A bare number is never taken on its own, so dates,
 * phone numbers, postcodes and prices do not match.
 */
import type { OrderNumberConfig } from '../../config/registry.ts';

const DEFAULT_PATTERNS: RegExp[] = [
  // "Order #12345", "Order No. 12345", "order number: A-12345", "Purchase Order 4711", "Sales order ORD-1"
  /\b(?:purchase\s+order|sales\s+order|order|bestellung|auftrag|commande|pedido|ordine)\s*(?:no\.?|nr\.?|num\.?|number|nummer|id|n[º°o]\.?|#)?\s*[:#]?\s*#?\s*([A-Z]{1,5}-?\d{3,15}|\d{3,15}(?:-\d{1,6})?)(?![\d/.,:-]*\d)/gi,
  // "PO 4711", "PO#4711", "P.O. 4711", "PO-4711", "PO number 4711" (upper case only: "po" is a word in some languages)
  /\bP\.?O\.?(?:\s*(?:no\.?|number|#))?\s*[:#-]?\s*(\d{3,15})(?![\d/.,:-]*\d)/g,
  // "SO-104233", "SO104233"
  /\b(SO-?\d{4,12})\b/g,
];

const DATE_LIKE = /^(?:\d{4}-\d{2}-\d{2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4})$/;

export function orderNumberMatchers(config: OrderNumberConfig | undefined): RegExp[] {
  const own = (config?.patterns ?? []).map((p) => new RegExp(p, 'gu'));
  const defaults = config?.useDefaults === false ? [] : DEFAULT_PATTERNS;
  return [...own, ...defaults];
}

/** Finds order numbers in the given texts, in order of appearance, without duplicates. */
export function findOrderNumbers(
  texts: readonly (string | null | undefined)[],
  matchers: RegExp[],
  max = 20,
): string[] {
  const found: string[] = [];
  const seen = new Set<string>();
  for (const text of texts) {
    if (!text) continue;
    const hits: { index: number; value: string }[] = [];
    for (const matcher of matchers) {
      matcher.lastIndex = 0;
      for (const match of text.matchAll(new RegExp(matcher.source, matcher.flags))) {
        const value = (match[1] ?? match[0]).trim();
        if (value === '' || DATE_LIKE.test(value)) continue;
        hits.push({ index: match.index ?? 0, value });
      }
    }
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
