/**
 * Strings from mail made well-formed: a UTF-16 surrogate without its pair (a UTF-7 encoded word
 * can hold one, so can a broken UTF-16 part) becomes U+FFFD, as String.prototype.toWellFormed
 * does. Every later step can then encode the text (encodeURIComponent throws URIError on a lone
 * surrogate, and a URL-encoded SOQL query is how a mail's address reaches Salesforce).
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

/** A copy of a JSON-like value (objects, arrays, strings, numbers…) with every string well-formed. */
export function wellFormedDeep<T>(value: T): T {
  if (typeof value === 'string') return wellFormed(value) as T;
  if (Array.isArray(value)) return value.map(wellFormedDeep) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) out[key] = wellFormedDeep(inner);
  return out as T;
}
