/**
 * SOQL string literals. Salesforce's escapes inside single quotes: backslash first (so the
 * escapes added next are not doubled), then the quote, then control characters. Hostile input
 * (quotes, backslashes, "' OR Name LIKE '%") stays inside its literal: it can neither break
 * nor widen a query.
 */
export function soqlString(value: string): string {
  const escaped = value
    .replace(/\\/g, '\\\\')
    .replace(/'/g, "\\'")
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .replace(/\f/g, '\\f')
    .replaceAll(String.fromCharCode(8), '\\b');
  return `'${escaped}'`;
}

/** Field and object API names cannot be quoted: only names of the documented shape are allowed. */
export function soqlName(name: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) throw new Error(`not a Salesforce API name: ${name}`);
  return name;
}

/**
 * `Field IN ('a','b',…)` clauses, chunked so each WHERE stays under the size SOQL accepts
 * (the whole query must stay under 100,000 characters; we keep each well below that).
 */
export function inClauses(field: string, values: readonly string[], maxChars = 3_500): string[] {
  const clauses: string[] = [];
  let current: string[] = [];
  let length = 0;
  for (const value of values) {
    const literal = soqlString(value);
    if (current.length > 0 && length + literal.length + 1 > maxChars) {
      clauses.push(`${soqlName(field)} IN (${current.join(',')})`);
      current = [];
      length = 0;
    }
    current.push(literal);
    length += literal.length + 1;
  }
  if (current.length > 0) clauses.push(`${soqlName(field)} IN (${current.join(',')})`);
  return clauses;
}
