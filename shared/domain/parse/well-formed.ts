/**
 * Strings from mail made well-formed: a UTF-16 surrogate without its pair (a UTF-7 encoded word
 * can hold one, so can a broken UTF-16 part) becomes U+FFFD, as String.prototype.toWellFormed
 * does. Every later step can then encode the text (encodeURIComponent throws URIError on a lone
 * surrogate, and a URL-encoded SOQL query is how a mail's address reaches Salesforce).
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** ES2024's string method (Node 20 and later have it; the TypeScript lib here is ES2023). */
const isWellFormedString = (text: string) => (text as unknown as { isWellFormed(): boolean }).isWellFormed();

export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

/** Whether every string of a JSON-like value is already well-formed (no copy made). */
function allWellFormed(value: unknown): boolean {
  if (typeof value === 'string') return isWellFormedString(value);
  if (value === null || typeof value !== 'object') return true;
  if (Array.isArray(value)) {
    for (const inner of value) if (!allWellFormed(inner)) return false;
    return true;
  }
  for (const key of Object.keys(value))
    if (!allWellFormed((value as Record<string, unknown>)[key])) return false;
  return true;
}

/** A copy of a JSON-like value (objects, arrays, strings, numbers…) with every string well-formed. */
function copyWellFormed<T>(value: T): T {
  if (typeof value === 'string') return wellFormed(value) as T;
  if (Array.isArray(value)) return value.map(copyWellFormed) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) out[key] = copyWellFormed(inner);
  return out as T;
}

/**
 * The value with every string well-formed: the value itself when all already are (almost every
 * mail: checking is a native scan, copying the tree cost more than the parse rules), else a copy.
 */
export function wellFormedDeep<T>(value: T): T {
  return allWellFormed(value) ? value : copyWellFormed(value);
}
